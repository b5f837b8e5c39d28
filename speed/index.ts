// Public surface of speed/. Built by its own issue; empty until then.
export {};
