// Noxbackup: small progressive enhancements; every page works without this script.
'use strict';

// Forms that change something irreversible ask first.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// Pages that show running work (a backup, an export, a restore) poll their JSON and reload when it is done.
// <div data-poll="/api/v1/..." data-poll-field="status" data-poll-until="succeeded failed partial">
for (const el of document.querySelectorAll('[data-poll]')) {
  const url = el.getAttribute('data-poll');
  const fieldName = el.getAttribute('data-poll-field') || 'status';
  const until = (el.getAttribute('data-poll-until') || '').split(/\s+/);
  const tick = async () => {
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (res.ok) {
        const body = await res.json();
        for (const out of el.querySelectorAll('[data-field]')) {
          const value = out.getAttribute('data-field').split('.').reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), body);
          if (value !== undefined && value !== null) {
            if (out instanceof HTMLProgressElement) out.value = Number(value);
            else out.textContent = String(value);
          }
        }
        if (until.includes(String(body[fieldName]))) {
          window.location.reload();
          return;
        }
      }
    } catch {
      // The next tick tries again.
    }
    setTimeout(tick, 1500);
  };
  setTimeout(tick, 1500);
}
