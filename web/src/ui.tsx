// Small shared components: labelled fields with their errors, alerts,
// confirmation dialogs, category badges, page headings that take focus.
import type { AnchorHTMLAttributes, ComponentChildren, InputHTMLAttributes, Ref } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { categoryLabel, categoryLevel } from './classify';
import { ApiError } from './api';
import { linkClick } from './router';

let idSeq = 0;
export function useId(prefix = 'f'): string {
  const r = useRef('');
  if (!r.current) r.current = `${prefix}${++idSeq}`;
  return r.current;
}

/** A page heading that receives focus when the screen opens (for screen readers). */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} class="page-title">
      {children}
    </h1>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'label' | 'class' | 'error'>;

export function Field(props: InputProps & { label: string; error?: string | undefined; hint?: string; wrapClass?: string; inputRef?: Ref<HTMLInputElement> }) {
  const { label, error, hint, wrapClass, inputRef, id: givenId, ...rest } = props;
  const auto = useId();
  const id = (givenId as string | undefined) ?? auto;
  const described = [hint ? `${id}-hint` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field ${wrapClass ?? ''}`}>
      <label for={id}>{label}</label>
      {hint && <span id={`${id}-hint`} class="hint">{hint}</span>}
      <input id={id} ref={inputRef} aria-invalid={error ? 'true' : undefined} aria-describedby={described} {...rest} />
      {error && <span id={`${id}-err`} class="field-error">{error}</span>}
    </div>
  );
}

export function SelectField(props: { label: string; value: string; onChange: (v: string) => void; options: [string, string][]; error?: string | undefined; name?: string }) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} value={props.value} aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${id}-err` : undefined}
        onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}>
        {props.options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
      {props.error && <span id={`${id}-err`} class="field-error">{props.error}</span>}
    </div>
  );
}

/** Error text for a form, announced by screen readers as it appears. */
export function FormError({ error }: { error: unknown }) {
  const msg = error ? errorMessage(error) : '';
  return <div class="form-error" role="alert">{msg && <p>{msg}</p>}</div>;
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    const f = Object.values(e.fields);
    return f.length ? `${e.message} ${f.join(' ')}`.trim() : e.message;
  }
  if (e instanceof Error) return e.message;
  return String(e);
}

export function fieldErrors(e: unknown): Record<string, string> {
  return e instanceof ApiError ? e.fields : {};
}

/** A polite status message region (saved, copied …). */
export function Status({ text }: { text: string }) {
  return <p class="status" role="status" aria-live="polite">{text}</p>;
}

export function CategoryBadge({ category, label }: { category: string | null | undefined; label?: string | undefined }) {
  return <span class={`badge lvl-${categoryLevel(category)}`}>{label || categoryLabel(category)}</span>;
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  return <a {...props} onClick={linkClick} />;
}

/** A confirmation dialog (native <dialog>: modal, focus kept inside, Escape cancels). */
export function Confirm(props: { open: boolean; title: string; children?: ComponentChildren; confirmLabel: string; danger?: boolean; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const tid = useId('dlg');
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal?.();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={tid} onCancel={(e) => { e.preventDefault(); props.onCancel(); }}>
      <h2 id={tid}>{props.title}</h2>
      {props.children}
      <div class="actions">
        <button type="button" class={props.danger ? 'danger' : 'primary'} onClick={props.onConfirm}>{props.confirmLabel}</button>
        <button type="button" onClick={props.onCancel}>Cancel</button>
      </div>
    </dialog>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return <p class="loading" role="status">{label}</p>;
}

/** Copies text to the clipboard; returns whether it worked. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Offers text as a file download (a blob: URL, allowed by the CSP). */
export function downloadText(name: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
