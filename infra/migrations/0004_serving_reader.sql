-- The serving layer's read-only role. Serving connections run as pulse_reader (role set at
-- connection start, transactions read-only), so no query it sends can change data.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pulse_reader') THEN
    CREATE ROLE pulse_reader NOLOGIN;
  END IF;
  EXECUTE format('GRANT pulse_reader TO %I', current_user);
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO pulse_reader', current_schema());
  EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO pulse_reader', current_schema());
  -- Tables created later by this user (each batch run's swapped-in views) are readable too.
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO pulse_reader', current_schema());
END
$$;
