# Stand-in for postgres:17: PostgreSQL 17 server binaries, Debian's psql and pg_isready,
# gosu, user postgres (999:999), PGDATA=/var/lib/postgresql/data, and an entrypoint that
# honours the official image's POSTGRES_* variables (with their _FILE forms).
FROM pulse-standin/debian:bookworm
RUN groupadd -r --gid 999 postgres && useradd -r --uid 999 --gid 999 --home-dir /var/lib/postgresql --shell /bin/bash postgres \
 && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-client-15 gosu >/dev/null \
 && rm -rf /var/lib/apt/lists/* && mkdir -p /var/lib/postgresql /var/run/postgresql /docker-entrypoint-initdb.d \
 && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql && chmod 3777 /var/run/postgresql
COPY pgsql /usr/lib/postgresql/17
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/17/bin:$PATH PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
RUN chmod +x /usr/local/bin/docker-entrypoint.sh && postgres --version && pg_isready --version
VOLUME /var/lib/postgresql/data
STOPSIGNAL SIGINT
EXPOSE 5432
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
