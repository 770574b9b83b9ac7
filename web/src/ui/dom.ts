/**
 * A few lines of DOM building instead of a framework: elements with attributes, listeners and
 * children, text always as text nodes (nothing is parsed as HTML, so no data can become markup).
 */
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) element.setAttribute(name === 'testid' ? 'data-testid' : name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export interface FieldOptions {
  /** the input's name, and the GraphQL input path a ValidationError names it by */
  field: string;
  value?: string | null;
  required?: boolean;
  type?: string;
  autocomplete?: string;
  hint?: string;
}

/** A labelled input: the label's text is what a person, a screen reader and the tests find it by. */
export function field(label: string, options: FieldOptions): HTMLLabelElement {
  const input = h('input', {
    name: options.field,
    'data-field': options.field,
    type: options.type ?? 'text',
    required: options.required ?? false,
    autocomplete: options.autocomplete ?? 'off',
  });
  if (options.value) input.value = options.value;
  return h('label', {}, h('span', { class: 'label' }, label), input, options.hint ? h('small', {}, options.hint) : null);
}

/** The trimmed value of a form's input, or undefined when it is empty. */
export function valueOf(form: HTMLFormElement, name: string): string | undefined {
  const input = form.elements.namedItem(name);
  const value = input instanceof HTMLInputElement ? input.value.trim() : '';
  return value || undefined;
}

/** The label a form shows for the input of a GraphQL input path, if it has one. */
export function labelOf(form: HTMLFormElement | undefined, path: string): string | undefined {
  const input = form?.querySelector(`[data-field="${CSS.escape(path)}"]`);
  return input?.closest('label')?.querySelector('.label')?.textContent ?? undefined;
}
