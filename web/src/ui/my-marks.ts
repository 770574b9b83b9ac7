/**
 * "My marks": the marks the signed-in user owns (listMyMarks: the owner is their sign-in, never
 * an argument), with the entitlement that is theirs, paged. Staff may also look up a purchaser's
 * marks by the purchaser's user id (their user pool sub), which listMyMarks lets staff alone name.
 */
import { readableError } from '../errors';
import { listMyMarks, type ListMyMarksQuery } from '../graphql/operations';
import { priceLabel, statusLabel } from '../labels';
import { markRoute, type App } from './app';
import { field, h, valueOf } from './dom';

type OwnedMark = ListMyMarksQuery['listMyMarks']['items'][number];

export function renderMyMarks(root: HTMLElement, app: App): () => void {
  let disposed = false;
  if (!app.username) {
    root.replaceChildren(h('h1', {}, 'My marks'), h('p', {}, h('a', { href: '#/sign-in' }, 'Sign in'), ' to see the marks you own.'));
    return () => {};
  }
  const heading = h('h1', {}, 'My marks');
  const status = h('p', { role: 'status', testid: 'my-marks-status' }, 'Loading your marks…');
  const body = h('tbody');
  const table = h(
    'table',
    { testid: 'my-marks', hidden: true },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Mark'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Price'), h('th', { scope: 'col' }, 'Certificate'))),
    body,
  );
  const more = h('button', { type: 'button', hidden: true }, 'Show more');
  const lookUp = app.staff
    ? h('form', { 'aria-label': "A purchaser's marks", testid: 'owner-search' }, field("Purchaser's user id", { field: 'owner', hint: 'Staff only: the purchaser’s user pool id (sub).' }), h('button', { type: 'submit' }, "Show the purchaser's marks"))
    : null;
  lookUp?.addEventListener('submit', (event) => {
    event.preventDefault();
    void load(null, valueOf(lookUp, 'owner') ?? null);
  });
  root.replaceChildren(...[heading, lookUp, status, table, more].filter((node) => node !== null));

  const row = (mark: OwnedMark) =>
    h(
      'tr',
      { 'data-mark': mark.mark },
      h('th', { scope: 'row' }, h('a', { href: markRoute(mark.mark), class: 'plate' }, mark.mark)),
      h('td', {}, statusLabel(mark.status)),
      h('td', {}, priceLabel(mark.price)),
      h('td', {}, mark.entitlement?.certificateNo ?? ''),
    );

  async function load(nextToken: string | null, owner: string | null) {
    status.textContent = owner ? 'Loading the purchaser’s marks…' : 'Loading your marks…';
    try {
      const { data } = await app.client.graphql({ query: listMyMarks, variables: { owner, limit: 25, nextToken }, authMode: 'userPool' });
      if (disposed) return;
      if (nextToken === null) body.replaceChildren();
      body.append(...data.listMyMarks.items.map(row));
      table.hidden = body.childElementCount === 0;
      const count = body.childElementCount;
      const whose = owner ? 'This purchaser owns' : 'You own';
      status.textContent = count === 0 ? `${whose} no mark.` : `${whose} ${count} ${count === 1 ? 'mark' : 'marks'}${data.listMyMarks.nextToken ? ' so far' : ''}.`;
      heading.textContent = owner ? 'Marks of a purchaser' : 'My marks';
      more.hidden = !data.listMyMarks.nextToken;
      more.onclick = () => void load(data.listMyMarks.nextToken, owner);
    } catch (err) {
      if (!disposed) status.textContent = readableError(err, { signedIn: true }).message;
    }
  }
  void load(null, null);
  return () => {
    disposed = true;
  };
}
