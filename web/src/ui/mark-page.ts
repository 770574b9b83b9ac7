/**
 * One mark's page: its public state for anyone; lock and buy for a signed-in purchaser; for its
 * owner, the entitlement (certificate, purchaser, nominee, address) and the forms that change the
 * nominee and the address; and the mark's events, live (web/src/events.ts: subscribe, then read
 * the gap, also after every reconnect).
 *
 * The forms act on the version they were shown at (every command carries it as expectedVersion).
 * A live event refreshes what the page shows, and the forms too unless the reader is typing into
 * one: then their version stays, the page says the mark has changed, and a submit meets the API's
 * ConcurrentModification — shown as a sentence with a Reload button — rather than overwriting
 * someone else's change unseen.
 *
 * After the reader's own command, the page shows the forms of the new version, but a form the reader
 * has typed into meanwhile is kept as typed (issue 27: an address line typed while a nominee save was
 * on its way reverted, because every form was drawn again from the mark as read, while the town and
 * postcode typed after that were kept): each form is drawn again only if it is untouched.
 *
 * Staff (the user's token names the staff group) read "Entitlement of <purchaser>", not "Your
 * entitlement", and have two tools, each asked to be confirmed: release an unknown mark for sale,
 * and forget a mark.
 */
import { readableError } from '../errors';
import { followMark, type Follow, type FollowState, type MarkEvent } from '../events';
import {
  changeAddress,
  changeNominee,
  forgetMark,
  getMark,
  getMarkInFull,
  lockMark,
  purchaseMark,
  releaseMark,
  type AddressInput,
  type GetMarkInFullQuery,
  type GetMarkQuery,
} from '../graphql/operations';
import { eventLabel, eventTimeLabel, isLocked, lockLabel, priceLabel, statusLabel } from '../labels';
import type { App } from './app';
import { field, h, labelOf, valueOf } from './dom';

type Entitlement = NonNullable<NonNullable<GetMarkInFullQuery['getMark']>['entitlement']>;
/** The mark as this reader may read it: the entitlement only for its owner (and staff). */
type MarkView = NonNullable<GetMarkQuery['getMark']> & { entitlement?: Entitlement | null };

/** The connection line, for a reader who can list the events (signed in) or cannot (the public). */
function connectionText(state: FollowState, everLive: boolean, canList: boolean): string {
  switch (state) {
    case 'connecting':
      return everLive ? 'Reconnecting to live events…' : 'Connecting to live events…';
    case 'catching-up':
      return 'Catching up on the events…';
    case 'live':
      return 'Live: new events appear here as they happen.';
    case 'disrupted':
      if (!everLive) return 'Cannot reach the live events yet: retrying.';
      return canList ? 'Connection lost: reconnecting. Events of the meantime will be read when it is back.' : 'Connection lost: reconnecting. Events of the meantime will not be listed here (sign in to see the whole history).';
    case 'failed':
      return 'Live events stopped.';
  }
}

/** How long a first connection may take before the page suggests why (the local certificate). */
const SLOW_CONNECT_MS = 5000;

export function renderMarkPage(root: HTMLElement, app: App, requested: string): () => void {
  const signedIn = app.username !== null;
  let current: MarkView | null | undefined;
  /** the version the forms act on */
  let formVersion = 0;
  /** the forms (by their test id) the reader has typed into since they were shown */
  const dirty = new Set<string>();
  /** a command of this page is on its way */
  let busy = false;
  let disposed = false;
  let follow: Follow | undefined;
  let slowConnect: ReturnType<typeof setTimeout> | undefined;
  /** the subscription has been acknowledged at least once (so the endpoint is reachable) */
  let acknowledged = false;
  let reads: Promise<void> = Promise.resolve();

  const heading = h('h1', { class: 'plate', testid: 'mark-heading' }, requested);
  const errorBox = h('div', { role: 'alert', testid: 'error', class: 'error', tabindex: -1, hidden: true });
  const notice = h('div', { role: 'status', testid: 'notice', class: 'notice', hidden: true });
  const facts = h('dl', { testid: 'mark-state' });
  const actions = h('div', { testid: 'actions' });
  const entitlementFacts = h('dl', { testid: 'entitlement' });
  const ownerForms = h('div', { testid: 'owner-forms' });
  const ownerHeading = h('h2', { id: 'owner-heading', testid: 'entitlement-heading' }, 'Your entitlement');
  const owner = h('section', { 'aria-labelledby': 'owner-heading', hidden: true }, ownerHeading, entitlementFacts, ownerForms);
  const staffTools = h('section', { 'aria-labelledby': 'staff-heading', testid: 'staff-tools', hidden: true }, h('h2', { id: 'staff-heading' }, 'Staff'));
  const connection = h('p', { testid: 'connection', role: 'status' });
  const hint = h('p', { testid: 'connection-hint', class: 'hint', hidden: true });
  const events = h('ol', { testid: 'events', class: 'events' });
  const eventsSection = h(
    'section',
    { 'aria-labelledby': 'events-heading', hidden: true },
    h('h2', { id: 'events-heading' }, 'Events'),
    connection,
    hint,
    signedIn ? null : h('p', { class: 'hint' }, 'Shown from the moment you opened this page; sign in to see the whole history.'),
    events,
  );
  root.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← Marks for sale')),
    heading,
    errorBox,
    notice,
    h('section', { 'aria-labelledby': 'state-heading' }, h('h2', { id: 'state-heading' }, 'About this mark'), facts),
    actions,
    owner,
    staffTools,
    eventsSection,
  );
  for (const forms of [actions, ownerForms, staffTools]) {
    forms.addEventListener('input', (event) => {
      const form = (event.target as Element).closest('form');
      if (form?.dataset.testid) dirty.add(form.dataset.testid);
    });
  }

  async function read(): Promise<MarkView | null> {
    // the API key may not select the entitlement at all: the public read leaves it out
    if (!signedIn) return (await app.client.graphql({ query: getMark, variables: { mark: requested }, authMode: 'apiKey' })).data.getMark;
    return (await app.client.graphql({ query: getMarkInFull, variables: { mark: requested }, authMode: 'userPool' })).data.getMark;
  }

  /** Reads the mark (one read at a time, in order) and shows it; the forms too when asked or idle. */
  const refresh = (forms: boolean) =>
    (reads = reads.then(async () => {
      try {
        const mark = await read();
        if (disposed) return;
        current = mark;
        showState();
        if (forms || (dirty.size === 0 && !busy)) showForms();
        else showNotice();
      } catch (err) {
        if (!disposed) showError(err);
      }
    }));

  function showState() {
    // a number plate only for a mark that exists
    heading.classList.toggle('plate', !!current);
    if (!current) {
      facts.replaceChildren(h('dt', {}, 'Status'), h('dd', { testid: 'status' }, `There is no mark ${requested}: it was never released, or it has been withdrawn.`));
      owner.hidden = true;
      return;
    }
    heading.textContent = current.mark;
    facts.replaceChildren(
      ...term('Status', statusLabel(current.status), 'status'),
      ...term('Price', priceLabel(current.price), 'price'),
      ...(current.status === 'MARK_AVAILABLE' ? term('Lock', lockLabel(current.lockedUntil, current.lockedByYou), 'lock') : []),
      ...term('Version', String(current.version), 'version'),
      ...term('Last change', eventTimeLabel(current.updatedAt), 'updated'),
    );
    const entitlement = current.entitlement;
    owner.hidden = !entitlement;
    // staff read another person's entitlement: it is not theirs
    ownerHeading.textContent = app.staff ? `Entitlement of ${entitlement?.purchaserName ?? 'the purchaser'}` : 'Your entitlement';
    if (entitlement) entitlementFacts.replaceChildren(...entitlementTerms(entitlement));
  }

  function showNotice() {
    const stale = !!current && current.version > formVersion && !busy;
    notice.hidden = !stale;
    if (stale) notice.replaceChildren(`This mark has changed since you loaded it (it is now at version ${current!.version}). `, reloadButton('Reload the mark'));
  }

  function showForms() {
    formVersion = current?.version ?? 0;
    notice.hidden = true;
    draw(actions, current ? saleForms(current) : []);
    draw(ownerForms, current?.entitlement ? ownerFormsOf(current.entitlement) : []);
    draw(staffTools, app.staff ? staffFormsOf(current ?? null) : []);
    staffTools.hidden = !app.staff;
  }

  /** Puts a section's forms in place, keeping any the reader has typed into as they are. */
  function draw(section: HTMLElement, nodes: Node[]) {
    const kept = nodes.map((node) => {
      const id = node instanceof HTMLElement ? node.dataset.testid : undefined;
      const typed = id && dirty.has(id) ? section.querySelector(`form[data-testid="${CSS.escape(id)}"]`) : null;
      return typed ?? node;
    });
    const headingOf = section === staffTools ? [section.firstElementChild!] : [];
    section.replaceChildren(...headingOf, ...kept);
  }

  function reloadButton(label: string) {
    return h('button', { type: 'button', testid: 'reload', onclick: () => void reload() }, label);
  }

  function reload() {
    clearError();
    // the reader asked for the mark as it is now: what they typed goes
    dirty.clear();
    return refresh(true);
  }

  function clearError() {
    errorBox.hidden = true;
    errorBox.replaceChildren();
    for (const input of root.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  }

  function showError(err: unknown, form?: HTMLFormElement) {
    const readable = readableError(err, { signedIn, labelOf: (path) => labelOf(form, path) });
    errorBox.dataset.code = readable.code;
    errorBox.replaceChildren(h('p', {}, readable.message), ...(readable.reload ? [reloadButton('Reload')] : []));
    errorBox.hidden = false;
    // the error says it already, with its own Reload
    if (readable.reload) notice.hidden = true;
    for (const problem of readable.fields) form?.querySelector(`[data-field="${CSS.escape(problem.field)}"]`)?.setAttribute('aria-invalid', 'true');
    errorBox.focus();
  }

  /** A command from a form: its answer is not shown as an event (the subscription brings it), the mark is read again. */
  async function act(form: HTMLFormElement, command: () => Promise<unknown>) {
    clearError();
    busy = true;
    const buttons = [...root.querySelectorAll<HTMLButtonElement>('form button')];
    buttons.forEach((b) => (b.disabled = true));
    try {
      await command();
      // this form is done; another one typed into meanwhile stays as typed (draw)
      if (form.dataset.testid) dirty.delete(form.dataset.testid);
      busy = false;
      await refresh(true);
    } catch (err) {
      showError(err, form);
    } finally {
      busy = false;
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  function commandForm(name: string, label: string, children: Node[], command: (form: HTMLFormElement) => Promise<unknown>) {
    const form = h('form', { 'aria-label': label, testid: name }, ...children, h('button', { type: 'submit' }, label));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void act(form, () => command(form));
    });
    return form;
  }

  function saleForms(mark: MarkView): Node[] {
    if (mark.status !== 'MARK_AVAILABLE') return [];
    if (!signedIn) return [h('p', {}, h('a', { href: '#/sign-in' }, 'Sign in'), ' to lock or buy this mark.')];
    // someone else holds the lock: only they may buy until it ends (a buy would be MarkLocked)
    if (isLocked(mark.lockedUntil) && !mark.lockedByYou) {
      return [h('p', { testid: 'locked-by-someone-else' }, `Someone else is buying this mark: it is locked until ${eventTimeLabel(mark.lockedUntil) ?? 'later'}. If their lock ends without a sale, you can buy it then.`)];
    }
    const lock = commandForm('lock-form', 'Lock it for 10 minutes', [h('p', {}, 'A lock keeps the mark for you while you buy it: no one else can buy it for 10 minutes.')], () =>
      app.client.graphql({ query: lockMark, variables: { input: { mark: mark.mark, expectedVersion: formVersion } } }),
    );
    const buy = commandForm(
      'buy-form',
      `Buy ${mark.mark}`,
      [
        h('h2', {}, `Buy ${mark.mark}`),
        field('Your full name', { field: 'input.entitlement.purchaserName', required: true, autocomplete: 'name' }),
        ...addressFields('input.entitlement.address', null),
        field('Nominee (optional)', { field: 'input.entitlement.nomineeName', hint: 'The person the certificate may assign the mark to.' }),
      ],
      (form) =>
        app.client.graphql({
          query: purchaseMark,
          variables: {
            input: {
              mark: mark.mark,
              expectedVersion: formVersion,
              entitlement: { purchaserName: valueOf(form, 'input.entitlement.purchaserName') ?? '', nomineeName: valueOf(form, 'input.entitlement.nomineeName'), address: addressOf(form, 'input.entitlement.address') },
            },
          },
        }),
    );
    return [...(isLocked(mark.lockedUntil) ? [] : [lock]), buy];
  }

  function ownerFormsOf(entitlement: Entitlement): Node[] {
    const nominee = commandForm('nominee-form', 'Save the nominee', [h('h3', {}, 'Change the nominee'), field('Nominee', { field: 'input.nomineeName', required: true, value: entitlement.nomineeName })], (form) =>
      app.client.graphql({ query: changeNominee, variables: { input: { mark: current!.mark, expectedVersion: formVersion, nomineeName: valueOf(form, 'input.nomineeName') ?? '' } } }),
    );
    const address = commandForm('address-form', 'Save the address', [h('h3', {}, 'Change the address'), ...addressFields('input.address', entitlement.address)], (form) =>
      app.client.graphql({ query: changeAddress, variables: { input: { mark: current!.mark, expectedVersion: formVersion, address: addressOf(form, 'input.address') } } }),
    );
    return [nominee, address];
  }

  /** Staff's tools: release an unknown mark for sale, or forget this one; each asked to be confirmed first. */
  function staffFormsOf(mark: MarkView | null): Node[] {
    if (!mark) {
      const release = commandForm('release-form', `Release ${requested} for sale`, [field('Price in pounds', { field: 'input.price', required: true, type: 'number' })], (form) => {
        const price = Number(valueOf(form, 'input.price'));
        if (!window.confirm(`Release ${requested} for sale at ${priceLabel(price)}?`)) return Promise.resolve();
        // released, the mark has events to follow: the page is drawn again for it
        return app.client.graphql({ query: releaseMark, variables: { input: { mark: requested, price } } }).then(() => app.go(location.hash));
      });
      return [release];
    }
    const forget = commandForm('forget-form', `Forget ${mark.mark}`, [h('p', {}, 'Erases the mark and every personal datum of its history, for good (the right to erasure).')], () => {
      if (!window.confirm(`Forget ${mark.mark}? Its history and its owner's personal data are erased for good.`)) return Promise.resolve();
      return app.client.graphql({ query: forgetMark, variables: { input: { mark: mark.mark, expectedVersion: formVersion } } });
    });
    return [forget];
  }

  function showEvent(event: MarkEvent) {
    const data = parseData(event.data);
    const lockedUntil = event.type === 'MARK_LOCKED' ? eventTimeLabel(data.lockedUntil as string | undefined) : null;
    const detail = [typeof data.price === 'number' ? `price ${priceLabel(data.price)}` : '', lockedUntil ? `until ${lockedUntil}` : ''].filter(Boolean);
    // a field the publishing mutation did not select is missing from a live event: left out, never made up
    const recorded = eventTimeLabel(event.recordedAt);
    events.append(
      h(
        'li',
        { testid: 'event', 'data-version': event.version, 'data-type': event.type },
        h('span', { class: 'version' }, `#${event.version}`),
        ' ',
        h('strong', {}, eventLabel(event.type)),
        detail.length ? ` (${detail.join(', ')})` : '',
        recorded ? ' ' : '',
        recorded ? h('time', { datetime: event.recordedAt }, recorded) : null,
      ),
    );
    if (!current || event.version > current.version) void refresh(false);
  }

  function showConnection(state: FollowState, error?: unknown) {
    connection.dataset.state = state;
    if (state === 'live' || state === 'catching-up') {
      acknowledged = true;
      clearTimeout(slowConnect);
      hint.hidden = true;
    }
    const words = connectionText(state, acknowledged, signedIn);
    connection.textContent = state === 'failed' && error ? `${words} ${readableError(error, { signedIn }).message}` : words;
  }

  /** A live-only follow came back after a disconnection: say that the list has a hole. */
  function showGap() {
    events.append(h('li', { testid: 'gap', class: 'hint' }, 'The connection was lost for a while: events of that time are not listed here.'));
    void refresh(false);
  }

  /**
   * The local real-time endpoint speaks TLS with a self-signed certificate (aws-amplify always
   * opens wss://), which a browser refuses until it is accepted once (docs/SUBSCRIPTIONS.md).
   */
  function showCertificateHint() {
    if (disposed || acknowledged || app.config.Auth.Cognito.userPoolEndpoint === undefined) return;
    const health = new URL('/health', app.config.API.GraphQL.endpoint);
    health.protocol = 'https:';
    hint.replaceChildren(
      'Still connecting? The local endpoint’s certificate is self-signed: open ',
      h('a', { href: health.href, target: '_blank', rel: 'noopener' }, health.href),
      ' once, accept it, and reload this page.',
    );
    hint.hidden = false;
  }

  void (async () => {
    await refresh(true);
    if (disposed || !current) return;
    eventsSection.hidden = false;
    slowConnect = setTimeout(showCertificateHint, SLOW_CONNECT_MS);
    follow = followMark({
      client: app.client,
      mark: current.mark,
      authMode: app.authMode(),
      canList: signedIn,
      // live only: the events up to the version read are before this page; none of them is shown
      lastSeen: signedIn ? 0 : current.version,
      onEvent: showEvent,
      onState: (state) => showConnection(state),
      onError: (err) => showConnection('failed', err),
      onMissed: showGap,
    });
  })();

  return () => {
    disposed = true;
    clearTimeout(slowConnect);
    follow?.stop();
  };
}

/** A name and its value; nothing when there is no value to show (never a made-up one). */
function term(name: string, value: string | null, testid: string): HTMLElement[] {
  return value === null ? [] : [h('dt', {}, name), h('dd', { testid }, value)];
}

function entitlementTerms(entitlement: Entitlement): HTMLElement[] {
  const address = entitlement.address;
  const lines = address ? [address.addLine1, address.addLine2, address.addLine3, address.addLine4, address.postTown, address.postcode].filter((line): line is string => !!line) : [];
  return [
    ...term('Certificate number', entitlement.certificateNo, 'certificate'),
    ...term('Certificate issued', eventTimeLabel(entitlement.certificateTime), 'certificate-time'),
    ...term('Purchaser', entitlement.purchaserName ?? '—', 'purchaser'),
    ...term('Nominee', entitlement.nomineeName ?? 'none', 'nominee'),
    h('dt', {}, 'Address'),
    h('dd', { testid: 'address' }, ...lines.flatMap((line, i) => (i === 0 ? [line] : [h('br'), line]))),
    ...term('Expires', eventTimeLabel(entitlement.expiryTime), 'expiry'),
  ];
}

function addressFields(path: string, address: Entitlement['address'] | null): HTMLElement[] {
  return [
    field('Address line 1', { field: `${path}.addLine1`, required: true, value: address?.addLine1, autocomplete: 'address-line1' }),
    field('Address line 2 (optional)', { field: `${path}.addLine2`, value: address?.addLine2, autocomplete: 'address-line2' }),
    field('Town', { field: `${path}.postTown`, required: true, value: address?.postTown, autocomplete: 'address-level2' }),
    field('Postcode', { field: `${path}.postcode`, required: true, value: address?.postcode, autocomplete: 'postal-code' }),
  ];
}

function addressOf(form: HTMLFormElement, path: string): AddressInput {
  return {
    addLine1: valueOf(form, `${path}.addLine1`) ?? '',
    addLine2: valueOf(form, `${path}.addLine2`),
    postTown: valueOf(form, `${path}.postTown`) ?? '',
    postcode: valueOf(form, `${path}.postcode`) ?? '',
  };
}

function parseData(data: string | null): Record<string, unknown> {
  try {
    const parsed: unknown = data ? JSON.parse(data) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
