// A subscription in the console runs over the local real-time endpoint with AppSync's protocol
// (subprotocol graphql-ws; AWS's "Building a real-time WebSocket client in AWS AppSync",
// https://docs.aws.amazon.com/appsync/latest/devguide/real-time-websocket-client.html), as the
// AppSync console's query editor does: over HTTP a subscription only answers null.
// Node's side of the same protocol is local/realtime/client.ts.

const base64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

let nextId = 0;

/**
 * The subscription as the async iterable GraphiQL's fetcher may return. GraphiQL shows only the
 * latest value it receives, so each value is the whole log so far: a status line and every event
 * in arrival order. GraphiQL's stop button calls return(), which sends `stop` and closes.
 *
 * @param {{ realtimeUrl: string, authorization: Record<string, string>, request: { query: string, variables?: unknown, operationName?: string } }} options
 */
export function subscribeOverRealtime({ realtimeUrl, authorization, request }) {
  const url = new URL(realtimeUrl);
  url.searchParams.set('header', base64(JSON.stringify(authorization)));
  url.searchParams.set('payload', base64('{}'));
  const id = `console-${(nextId += 1)}`;
  const events = [];
  const pending = [];
  let waiting;
  let finished = false;

  const publish = (value) => {
    if (finished) return;
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value, done: false });
    } else pending.push(value);
  };
  const log = (status) => ({ subscription: status, events: [...events] });
  const finish = () => {
    finished = true;
    if (waiting) {
      const resolve = waiting;
      waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  };

  const socket = new WebSocket(url, ['graphql-ws']);
  const send = (message) => socket.send(JSON.stringify(message));
  socket.onopen = () => send({ type: 'connection_init' });
  socket.onmessage = (message) => {
    const received = JSON.parse(message.data);
    switch (received.type) {
      case 'connection_ack':
        send({ id, type: 'start', payload: { data: JSON.stringify(request), extensions: { authorization } } });
        break;
      case 'start_ack':
        publish(log(`listening on ${realtimeUrl}: events appear below as they arrive; the stop button ends the subscription`));
        break;
      case 'data':
        if (received.id !== id) break;
        events.push(received.payload);
        publish(log(`listening: ${events.length} event${events.length === 1 ? '' : 's'} received`));
        break;
      case 'error':
      case 'connection_error':
        publish({ errors: received.payload?.errors ?? [received] });
        finish();
        socket.close();
        break;
      case 'complete':
        if (received.id === id) {
          publish(log('completed by the server'));
          finish();
          socket.close();
        }
        break;
      default:
        // `ka` keeps the connection alive; nothing to show
        break;
    }
  };
  socket.onerror = () => {
    publish({ errors: [{ message: `could not connect to ${realtimeUrl}` }] });
    finish();
  };
  socket.onclose = () => {
    publish(log(`connection closed after ${events.length} event${events.length === 1 ? '' : 's'}`));
    finish();
  };

  const iterator = {
    // GraphiQL asks for the iterator more than once (to iterate, and again to stop): the same one
    [Symbol.asyncIterator]: () => iterator,
    next() {
      if (pending.length > 0) return Promise.resolve({ value: pending.shift(), done: false });
      if (finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      if (socket.readyState === WebSocket.OPEN) send({ id, type: 'stop' });
      socket.close();
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
  return iterator;
}
