// Public surface of serving/. Built by its own issue; empty until then.
export {};
