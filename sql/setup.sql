-- LHT setup: roles, database/schema LHT, stages, Salesforce network rule + secret, external access
-- integration, grants, and the state / run-log tables.
--
-- Run as a user that may use ACCOUNTADMIN (creating the external access integration and the
-- future grants need it). Safe to run again: objects are created IF NOT EXISTS, and the network
-- rule, the secret and the integration are then brought up to date with ALTER ... SET, so a rerun
-- with a new secret or another Salesforce URL changes them. `./scripts/deploy` runs it; by hand
-- (from the repository root):
--
--   export SF_CLIENT_ID=... SF_CLIENT_SECRET=...        # read by snow, never on a command line
--   snow sql -f sql/setup.sql \
--     -D database=LHT -D warehouse=COMPUTE_WH -D deploy_user=JANE \
--     -D sf_login_url=https://acme.my.salesforce.com \
--     -D "sf_network_hosts='acme.my.salesforce.com:443'"
--
-- Variables (snow CLI standard templating; pass each one with -D name=value):
--   database          database that holds schema LHT (procedures, stages, state); synced tables go
--                     into other schemas of the same database (e.g. RAW). A plain identifier: the
--                     integration is named <database>_SALESFORCE_ACCESS, one per install
--   warehouse         warehouse the LHT roles may use to run the procedures
--   deploy_user       user that receives LHT_ADMIN to run `snow snowpark deploy`, exactly as
--                     SHOW USERS prints it (it is quoted, so e-mail style names work)
--   sf_login_url      where the procedures get their token: the org's My Domain URL, e.g.
--                     https://acme.my.salesforce.com, https://acme--uat.sandbox.my.salesforce.com,
--                     https://acme-dev-ed.develop.my.salesforce.com
--   sf_network_hosts  the network rule's values: the quoted host:port of sf_login_url, plus that
--                     of the instance_url Salesforce returns with the token if it differs, e.g.
--                     'acme.my.salesforce.com:443' (scripts/deploy derives it from SF_LOGIN_URL
--                     and SF_INSTANCE_URL: python -m lht.deploy setup-vars)
-- Environment (read through snow's ctx.env, so the credentials stay off the command line):
--   SF_CLIENT_ID      External Client App (or Connected App) consumer key
--   SF_CLIENT_SECRET  its consumer secret
--
-- Roles: LHT_ADMIN owns everything LHT creates and deploys the procedures (owner's rights);
-- LHT_OPERATOR may only call the procedures and read the run log. Both roll up to SYSADMIN.

-- 1. Account-level objects (ACCOUNTADMIN) -------------------------------------------------------
USE ROLE ACCOUNTADMIN;

CREATE ROLE IF NOT EXISTS LHT_ADMIN COMMENT = 'LHT: owns the LHT schema, deploys and owns the procedures';
CREATE ROLE IF NOT EXISTS LHT_OPERATOR COMMENT = 'LHT: runs the LHT procedures and reads the run log';
GRANT ROLE LHT_OPERATOR TO ROLE LHT_ADMIN;
GRANT ROLE LHT_ADMIN TO ROLE SYSADMIN;
GRANT ROLE LHT_ADMIN TO USER "<% deploy_user %>";

GRANT USAGE ON WAREHOUSE <% warehouse %> TO ROLE LHT_ADMIN;
GRANT USAGE ON WAREHOUSE <% warehouse %> TO ROLE LHT_OPERATOR;

CREATE DATABASE IF NOT EXISTS <% database %> COMMENT = 'LHT: Salesforce data and LHT state';
GRANT OWNERSHIP ON DATABASE <% database %> TO ROLE LHT_ADMIN COPY CURRENT GRANTS;

-- 2. Schema, stages, network rule, secret, tables (owned by LHT_ADMIN) ---------------------------
USE ROLE LHT_ADMIN;

CREATE SCHEMA IF NOT EXISTS <% database %>.LHT COMMENT = 'LHT: procedures, stages, secret, state';

-- Bulk API result pages are staged here (gzip CSV) before COPY INTO.
CREATE STAGE IF NOT EXISTS <% database %>.LHT.LHT_STAGE COMMENT = 'LHT: Salesforce extracts before COPY';
-- snow snowpark deploy uploads app.zip / procedures.zip here.
CREATE STAGE IF NOT EXISTS <% database %>.LHT.LHT_CODE_STAGE COMMENT = 'LHT: procedure code';

-- Egress to Salesforce: the hosts of the login URL and of the token's instance_url.
CREATE NETWORK RULE IF NOT EXISTS <% database %>.LHT.SALESFORCE_API
  MODE = EGRESS
  TYPE = HOST_PORT
  VALUE_LIST = (<% sf_network_hosts %>)
  COMMENT = 'LHT: Salesforce login and instance hosts';
ALTER NETWORK RULE <% database %>.LHT.SALESFORCE_API SET
  VALUE_LIST = (<% sf_network_hosts %>);

CREATE SECRET IF NOT EXISTS <% database %>.LHT.SALESFORCE_OAUTH
  TYPE = GENERIC_STRING
  SECRET_STRING = '{"login_url": "<% sf_login_url %>", "client_id": "<% ctx.env.SF_CLIENT_ID %>", "client_secret": "<% ctx.env.SF_CLIENT_SECRET %>"}'
  COMMENT = 'LHT: Salesforce client-credentials app as JSON';
ALTER SECRET <% database %>.LHT.SALESFORCE_OAUTH SET
  SECRET_STRING = '{"login_url": "<% sf_login_url %>", "client_id": "<% ctx.env.SF_CLIENT_ID %>", "client_secret": "<% ctx.env.SF_CLIENT_SECRET %>"}';

-- One row per (object, target): the watermark the next incremental run starts from, how far
-- Salesforce's deletions are applied, when the formula columns were last refreshed. (Tables of
-- an older install get missing columns from the procedures: ADD COLUMN IF NOT EXISTS.)
CREATE TABLE IF NOT EXISTS <% database %>.LHT.SYNC_STATE (
  SOBJECT VARCHAR,
  TARGET_SCHEMA VARCHAR,
  TARGET_TABLE VARCHAR,
  WATERMARK_FIELD VARCHAR,
  WATERMARK TIMESTAMP_NTZ,
  LAST_RUN_ID VARCHAR,
  LAST_SUCCESS_AT TIMESTAMP_NTZ,
  DELETES_CHECKED_TO TIMESTAMP_NTZ,
  FORMULAS_REFRESHED_AT TIMESTAMP_NTZ
);

-- One row per run: what was planned, moved and merged, and how it ended.
CREATE TABLE IF NOT EXISTS <% database %>.LHT.SYNC_RUNS (
  RUN_ID VARCHAR,
  SOBJECT VARCHAR,
  TARGET_SCHEMA VARCHAR,
  TARGET_TABLE VARCHAR,
  SYNC_METHOD VARCHAR,
  STARTED_AT TIMESTAMP_NTZ,
  ENDED_AT TIMESTAMP_NTZ,
  STATUS VARCHAR,
  ESTIMATED_RECORDS NUMBER,
  ROWS_EXTRACTED NUMBER,
  ROWS_INSERTED NUMBER,
  ROWS_UPDATED NUMBER,
  ROWS_DELETED NUMBER,
  BYTES_STAGED NUMBER,
  API_CALLS NUMBER,
  WATERMARK_FROM TIMESTAMP_NTZ,
  WATERMARK_TO TIMESTAMP_NTZ,
  ERROR VARCHAR,
  DELETE_CHECK VARCHAR,
  FORMULA_COLUMNS VARCHAR
);

-- One lock slot per target (prevents two runs writing the same table): RUN_ID NULL = free;
-- a held slot is valid until EXPIRES_AT or until its run has ended (lht.state.locks).
CREATE TABLE IF NOT EXISTS <% database %>.LHT.SYNC_LOCKS (
  TARGET VARCHAR,
  RUN_ID VARCHAR,
  ACQUIRED_AT TIMESTAMP_NTZ,
  EXPIRES_AT TIMESTAMP_NTZ
);

-- Reverse ETL (PUSH_SOBJECT). Same DDL as lht.warehouse.push_statements (runtime creates them
-- IF NOT EXISTS too). One row per push run: counts per outcome, jobs, status, error.
CREATE TABLE IF NOT EXISTS <% database %>.LHT.PUSH_RUNS (
  RUN_ID VARCHAR NOT NULL,
  SOBJECT VARCHAR,
  OPERATION VARCHAR,
  SOURCE VARCHAR,
  METHOD VARCHAR,
  STARTED_AT TIMESTAMP_NTZ(3),
  ENDED_AT TIMESTAMP_NTZ(3),
  STATUS VARCHAR,
  SUCCESS BOOLEAN,
  ROWS_READ NUMBER(38,0),
  ROWS_UNCHANGED NUMBER(38,0),
  ROWS_SENT NUMBER(38,0),
  ROWS_SUCCEEDED NUMBER(38,0),
  ROWS_CREATED NUMBER(38,0),
  ROWS_FAILED NUMBER(38,0),
  ROWS_UNPROCESSED NUMBER(38,0),
  ROWS_RETRIED NUMBER(38,0),
  JOBS NUMBER(38,0),
  JOB_IDS VARCHAR,
  API_CALLS NUMBER(38,0),
  ERROR VARCHAR
);

-- One row per pushed source row: its key, Salesforce Id, created flag, outcome and error text.
CREATE TABLE IF NOT EXISTS <% database %>.LHT.PUSH_RESULTS (
  RUN_ID VARCHAR NOT NULL,
  SOURCE_KEY VARCHAR,
  SALESFORCE_ID VARCHAR(18),
  CREATED BOOLEAN,
  SUCCESS BOOLEAN NOT NULL,
  OUTCOME VARCHAR NOT NULL,
  ERROR VARCHAR,
  JOB_ID VARCHAR,
  RECORDED_AT TIMESTAMP_NTZ(3)
);

-- Diff mode (only_changed): content hash of the last row Salesforce accepted, per source → object.
CREATE TABLE IF NOT EXISTS <% database %>.LHT.PUSH_HASHES (
  SOURCE VARCHAR NOT NULL,
  SOBJECT VARCHAR NOT NULL,
  SOURCE_KEY VARCHAR NOT NULL,
  ROW_HASH VARCHAR NOT NULL,
  RUN_ID VARCHAR,
  UPDATED_AT TIMESTAMP_NTZ(3)
);

-- Orchestration (SYNC_ALL, the task graph). Same DDL as lht.warehouse.orchestrate_statements,
-- which also creates them IF NOT EXISTS together with the views SYNC_HISTORY, SYNC_STATUS,
-- API_USAGE and PUSH_HISTORY (the procedures create the views on first use).
-- One row per target table: which object, which group, enabled, options (VARIANT object).
CREATE TABLE IF NOT EXISTS <% database %>.LHT.SYNC_CONFIG (
  SOBJECT VARCHAR NOT NULL,
  TARGET_SCHEMA VARCHAR NOT NULL,
  TARGET_TABLE VARCHAR NOT NULL,
  SYNC_GROUP VARCHAR NOT NULL,
  ENABLED BOOLEAN NOT NULL,
  OPTIONS VARIANT,
  UPDATED_AT TIMESTAMP_NTZ
);

-- The budget guard's readings of the org's daily API usage (DailyApiRequests).
CREATE TABLE IF NOT EXISTS <% database %>.LHT.API_USAGE_SAMPLES (
  SAMPLED_AT TIMESTAMP_NTZ,
  API_USED NUMBER,
  API_MAX NUMBER,
  SYNC_GROUP VARCHAR,
  SOBJECT VARCHAR
);

-- One row per task-graph run, written by the finalizer task.
CREATE TABLE IF NOT EXISTS <% database %>.LHT.SYNC_GRAPH_RUNS (
  GRAPH_RUN_ID VARCHAR,
  SYNC_GROUP VARCHAR,
  STARTED_AT TIMESTAMP_NTZ,
  FINISHED_AT TIMESTAMP_NTZ,
  OBJECTS NUMBER,
  SUCCEEDED NUMBER,
  FAILED NUMBER,
  DEFERRED NUMBER,
  NOT_RUN NUMBER,
  DETAILS VARCHAR
);

-- 3. Account-level objects and grants that need ACCOUNTADMIN ------------------------------------
USE ROLE ACCOUNTADMIN;

-- One integration per database, so two installs (LHT, LHT_DEV) never share allowed secrets.
CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS <% database %>_SALESFORCE_ACCESS
  ALLOWED_NETWORK_RULES = (<% database %>.LHT.SALESFORCE_API)
  ALLOWED_AUTHENTICATION_SECRETS = (<% database %>.LHT.SALESFORCE_OAUTH)
  ENABLED = TRUE
  COMMENT = 'LHT: egress to Salesforce with the LHT client-credentials secret';
ALTER EXTERNAL ACCESS INTEGRATION <% database %>_SALESFORCE_ACCESS SET
  ALLOWED_NETWORK_RULES = (<% database %>.LHT.SALESFORCE_API)
  ALLOWED_AUTHENTICATION_SECRETS = (<% database %>.LHT.SALESFORCE_OAUTH)
  ENABLED = TRUE;
GRANT USAGE ON INTEGRATION <% database %>_SALESFORCE_ACCESS TO ROLE LHT_ADMIN;

-- SCHEDULE_SYNC creates tasks owned by LHT_ADMIN: running them needs EXECUTE TASK, serverless
-- tasks (warehouse 'SERVERLESS') also EXECUTE MANAGED TASK.
GRANT EXECUTE TASK ON ACCOUNT TO ROLE LHT_ADMIN;
GRANT EXECUTE MANAGED TASK ON ACCOUNT TO ROLE LHT_ADMIN;

-- Future grants, all run here as ACCOUNTADMIN. Defining a future grant needs the global MANAGE
-- GRANTS privilege; owning the database or schema is not enough, except that in a managed access
-- schema its owner may define the schema's future grants
-- (https://docs.snowflake.com/en/sql-reference/sql/grant-privilege, access control requirements).
-- Creating schema LHT WITH MANAGED ACCESS instead was not chosen: it covers only schema-level
-- grants (the database-level ones below need MANAGE GRANTS anyway, and this file already needs
-- ACCOUNTADMIN for the integration), CREATE SCHEMA IF NOT EXISTS would not convert the schema of
-- an existing install, and it would change who may grant on objects in the schema.
-- Precedence: when future grants on the same object type exist at both the database and the
-- schema level, the schema-level ones win and the database-level ones are ignored for that schema
-- (same page, usage notes; BCR 2025_01 #1870). The two levels below therefore never name the same
-- object type: database level SCHEMAS and TABLES, schema LHT level PROCEDURES and VIEWS. A target
-- schema that has its own future grants on TABLES (made by someone else) needs
-- GRANT SELECT ON FUTURE TABLES IN SCHEMA <database>.<schema> TO ROLE LHT_OPERATOR as well.
-- The operator reads what LHT syncs into any schema of the database ...
GRANT USAGE ON FUTURE SCHEMAS IN DATABASE <% database %> TO ROLE LHT_OPERATOR;
GRANT SELECT ON FUTURE TABLES IN DATABASE <% database %> TO ROLE LHT_OPERATOR;
-- ... calls the procedures snow snowpark deploy creates (owner LHT_ADMIN) and reads the
-- Snowsight views (SYNC_STATUS, SYNC_HISTORY, API_USAGE, PUSH_HISTORY) the procedures create.
GRANT USAGE ON FUTURE PROCEDURES IN SCHEMA <% database %>.LHT TO ROLE LHT_OPERATOR;
GRANT SELECT ON FUTURE VIEWS IN SCHEMA <% database %>.LHT TO ROLE LHT_OPERATOR;

-- 4. What the operator may do inside LHT (LHT_ADMIN, as owner) -----------------------------------
USE ROLE LHT_ADMIN;

GRANT USAGE ON DATABASE <% database %> TO ROLE LHT_OPERATOR;
GRANT USAGE ON SCHEMA <% database %>.LHT TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.SYNC_RUNS TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.SYNC_STATE TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.PUSH_RUNS TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.PUSH_RESULTS TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.SYNC_CONFIG TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.SYNC_GRAPH_RUNS TO ROLE LHT_OPERATOR;
