// Public surface of batch/. Built by its own issue; empty until then.
export {};
