// Public surface of dashboard/ (Svelte + Chart.js). Built by its own issue; empty until then.
export {};
