import type { FastifyRequest } from 'fastify';
import { html, type SafeHtml } from './html.ts';

/** The hidden CSRF field every form that posts must carry. */
export function csrfField(request: FastifyRequest): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${request.csrfToken}">`;
}

export interface InputOptions {
  readonly type?: 'text' | 'email' | 'password' | 'number' | 'search' | 'date';
  readonly value?: string;
  readonly required?: boolean;
  readonly autocomplete?: string;
  readonly hint?: string;
  readonly error?: string;
  readonly inputmode?: 'numeric' | 'text';
  readonly pattern?: string;
  readonly minlength?: number;
  readonly autofocus?: boolean;
}

/** A labelled input with its hint and error tied to it for screen readers. */
export function input(name: string, label: string, options: InputOptions = {}): SafeHtml {
  const id = `f-${name}`;
  const described = [options.hint === undefined ? '' : `${id}-hint`, options.error === undefined ? '' : `${id}-error`].filter((x) => x !== '').join(' ');
  return html`<div class="field${options.error === undefined ? '' : ' invalid'}">
  <label for="${id}">${label}</label>
  ${options.hint === undefined ? '' : html`<p class="hint" id="${id}-hint">${options.hint}</p>`}
  ${options.error === undefined ? '' : html`<p class="error" id="${id}-error">${options.error}</p>`}
  <input id="${id}" name="${name}" type="${options.type ?? 'text'}"${options.value === undefined ? '' : html` value="${options.value}"`}${options.required === true ? html` required` : ''}${options.autocomplete === undefined ? '' : html` autocomplete="${options.autocomplete}"`}${options.inputmode === undefined ? '' : html` inputmode="${options.inputmode}"`}${options.pattern === undefined ? '' : html` pattern="${options.pattern}"`}${options.minlength === undefined ? '' : html` minlength="${options.minlength}"`}${options.autofocus === true ? html` autofocus` : ''}${described === '' ? '' : html` aria-describedby="${described}"`}${options.error === undefined ? '' : html` aria-invalid="true"`}>
</div>`;
}

export function select(name: string, label: string, choices: readonly { value: string; label: string }[], selected?: string): SafeHtml {
  const id = `f-${name}`;
  return html`<div class="field"><label for="${id}">${label}</label><select id="${id}" name="${name}">${choices.map((c) => html`<option value="${c.value}"${c.value === selected ? html` selected` : ''}>${c.label}</option>`)}</select></div>`;
}

export function submit(label: string, options: { kind?: 'primary' | 'secondary' | 'danger'; name?: string; value?: string } = {}): SafeHtml {
  return html`<button type="submit" class="button ${options.kind ?? 'primary'}"${options.name === undefined ? '' : html` name="${options.name}" value="${options.value ?? ''}"`}>${label}</button>`;
}
