// Public surface of generator/. Built by its own issue; empty until then.
export {};
