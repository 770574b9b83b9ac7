/**
 * The storefront: a search by mark (to its page, whatever its status: a sold mark is not listed),
 * and the marks for sale (listMarks with status MARK_AVAILABLE, the one listing the public API key
 * may run) with their price — public data only, whoever reads it.
 */
import { readableError } from '../errors';
import { listMarks, type ListMarksQuery } from '../graphql/operations';
import { isLocked, lockLabel, priceLabel } from '../labels';
import { markRoute, type App } from './app';
import { field, h, valueOf } from './dom';

type ListedMark = ListMarksQuery['listMarks']['items'][number];

export function renderStorefront(root: HTMLElement, app: App): () => void {
  let disposed = false;
  const status = h('p', { role: 'status', testid: 'storefront-status' }, 'Loading the marks for sale…');
  const body = h('tbody');
  const table = h(
    'table',
    { testid: 'marks-for-sale', hidden: true },
    h('caption', {}, 'Marks for sale'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Mark'), h('th', { scope: 'col' }, 'Price'), h('th', { scope: 'col' }, 'Availability'))),
    body,
  );
  const more = h('button', { type: 'button', hidden: true }, 'Show more');
  const refresh = h('button', { type: 'button', onclick: () => void load(null) }, 'Refresh');
  const search = h('form', { role: 'search', 'aria-label': 'Search the marks', testid: 'search' }, field('Find a mark', { field: 'mark', hint: 'As it is written, e.g. AFC F5: a sold mark is found here too.' }), h('button', { type: 'submit' }, 'Find'));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = valueOf(search, 'mark');
    // the API reads a mark in any case and spacing; its page shows the canonical form
    if (typed) app.go(markRoute(typed.toUpperCase().replace(/\s+/g, ' ')));
  });
  root.replaceChildren(h('h1', {}, 'Marks for sale'), search, status, table, more, refresh);

  const row = (mark: ListedMark) =>
    h(
      'tr',
      { 'data-mark': mark.mark },
      h('th', { scope: 'row' }, h('a', { href: markRoute(mark.mark), class: 'plate' }, mark.mark)),
      h('td', {}, priceLabel(mark.price)),
      h('td', {}, isLocked(mark.lockedUntil) ? `Being bought (${lockLabel(mark.lockedUntil, mark.lockedByYou).replace(/^L/, 'l')})` : 'Available'),
    );

  async function load(nextToken: string | null) {
    if (!app.canReadPublicly()) {
      status.textContent = 'Sign in to see the marks for sale (this configuration has no public API key).';
      return;
    }
    status.textContent = 'Loading the marks for sale…';
    try {
      const { data } = await app.client.graphql({ query: listMarks, variables: { status: 'MARK_AVAILABLE', limit: 25, nextToken }, authMode: app.authMode() });
      if (disposed) return;
      if (nextToken === null) body.replaceChildren();
      body.append(...data.listMarks.items.map(row));
      table.hidden = body.childElementCount === 0;
      const count = body.childElementCount;
      status.textContent = count === 0 ? 'No mark is for sale at the moment.' : `${count} ${count === 1 ? 'mark' : 'marks'} for sale${data.listMarks.nextToken ? ' so far' : ''}.`;
      more.hidden = !data.listMarks.nextToken;
      more.onclick = () => void load(data.listMarks.nextToken);
    } catch (err) {
      if (!disposed) status.textContent = readableError(err, { signedIn: app.username !== null }).message;
    }
  }
  void load(null);
  return () => {
    disposed = true;
  };
}
