-- LHT setup: roles, database/schema LHT, stages, Salesforce network rule + secret, external access
-- integration, grants, and the state / run-log tables.
--
-- Run once (idempotent: every CREATE is IF NOT EXISTS) as a user that may use ACCOUNTADMIN
-- (creating an external access integration needs it), for example:
--
--   snow sql -f sql/setup.sql \
--     -D database=LHT -D warehouse=COMPUTE_WH -D deploy_user=JANE \
--     -D sf_my_domain=acme -D sf_login_url=https://acme.my.salesforce.com \
--     -D sf_client_id="$SF_CLIENT_ID" -D sf_client_secret="$SF_CLIENT_SECRET"
--
-- Variables (snow CLI standard templating; pass each one with -D name=value):
--   database          database that holds schema LHT (procedures, stages, state); synced tables go
--                     into other schemas of the same database (e.g. RAW)
--   warehouse         warehouse the LHT roles may use to run the procedures
--   deploy_user       user that receives LHT_ADMIN to run `snow snowpark deploy`
--   sf_my_domain      Salesforce My Domain prefix: acme for acme.my.salesforce.com (the sandbox
--                     form acme.sandbox.my.salesforce.com is allowed too; for a sandbox pass the
--                     sandbox My Domain prefix, e.g. acme--uat)
--   sf_login_url      https://<my-domain>.my.salesforce.com (or the .sandbox. form) for the token
--   sf_client_id      Connected App consumer key (client-credentials flow)
--   sf_client_secret  Connected App consumer secret
--
-- Roles: LHT_ADMIN owns everything LHT creates and deploys the procedures (owner's rights);
-- LHT_OPERATOR may only call the procedures and read the run log. Both roll up to SYSADMIN.

-- 1. Account-level objects (ACCOUNTADMIN) -------------------------------------------------------
USE ROLE ACCOUNTADMIN;

CREATE ROLE IF NOT EXISTS LHT_ADMIN COMMENT = 'LHT: owns the LHT schema, deploys and owns the procedures';
CREATE ROLE IF NOT EXISTS LHT_OPERATOR COMMENT = 'LHT: runs the LHT procedures and reads the run log';
GRANT ROLE LHT_OPERATOR TO ROLE LHT_ADMIN;
GRANT ROLE LHT_ADMIN TO ROLE SYSADMIN;
GRANT ROLE LHT_ADMIN TO USER <% deploy_user %>;

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

CREATE NETWORK RULE IF NOT EXISTS <% database %>.LHT.SALESFORCE_API
  MODE = EGRESS
  TYPE = HOST_PORT
  VALUE_LIST = ('<% sf_my_domain %>.my.salesforce.com:443', '<% sf_my_domain %>.sandbox.my.salesforce.com:443')
  COMMENT = 'LHT: Salesforce My Domain (production and sandbox form)';

CREATE SECRET IF NOT EXISTS <% database %>.LHT.SALESFORCE_OAUTH
  TYPE = GENERIC_STRING
  SECRET_STRING = '{"login_url": "<% sf_login_url %>", "client_id": "<% sf_client_id %>", "client_secret": "<% sf_client_secret %>"}'
  COMMENT = 'LHT: Salesforce Connected App (client credentials) as JSON';

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

-- One row per target being synced right now (prevents two runs writing the same table).
CREATE TABLE IF NOT EXISTS <% database %>.LHT.SYNC_LOCKS (
  TARGET VARCHAR,
  RUN_ID VARCHAR,
  ACQUIRED_AT TIMESTAMP_NTZ
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

-- 3. The integration the procedures use to reach Salesforce (ACCOUNTADMIN) ----------------------
USE ROLE ACCOUNTADMIN;

CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS LHT_SALESFORCE_ACCESS
  ALLOWED_NETWORK_RULES = (<% database %>.LHT.SALESFORCE_API)
  ALLOWED_AUTHENTICATION_SECRETS = (<% database %>.LHT.SALESFORCE_OAUTH)
  ENABLED = TRUE
  COMMENT = 'LHT: egress to Salesforce with the LHT Connected App secret';
GRANT USAGE ON INTEGRATION LHT_SALESFORCE_ACCESS TO ROLE LHT_ADMIN;

-- SCHEDULE_SYNC creates tasks owned by LHT_ADMIN: running them needs EXECUTE TASK, serverless
-- tasks (warehouse 'SERVERLESS') also EXECUTE MANAGED TASK.
GRANT EXECUTE TASK ON ACCOUNT TO ROLE LHT_ADMIN;
GRANT EXECUTE MANAGED TASK ON ACCOUNT TO ROLE LHT_ADMIN;

-- The operator reads what LHT syncs into any schema of the database (future grants at database
-- level need MANAGE GRANTS, hence ACCOUNTADMIN).
GRANT USAGE ON FUTURE SCHEMAS IN DATABASE <% database %> TO ROLE LHT_OPERATOR;
GRANT SELECT ON FUTURE TABLES IN DATABASE <% database %> TO ROLE LHT_OPERATOR;

-- 4. What the operator may do inside LHT (LHT_ADMIN, as owner) -----------------------------------
USE ROLE LHT_ADMIN;

GRANT USAGE ON DATABASE <% database %> TO ROLE LHT_OPERATOR;
GRANT USAGE ON SCHEMA <% database %>.LHT TO ROLE LHT_OPERATOR;
GRANT USAGE ON FUTURE PROCEDURES IN SCHEMA <% database %>.LHT TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.SYNC_RUNS TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.SYNC_STATE TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.PUSH_RUNS TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.PUSH_RESULTS TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.SYNC_CONFIG TO ROLE LHT_OPERATOR;
GRANT SELECT ON TABLE <% database %>.LHT.SYNC_GRAPH_RUNS TO ROLE LHT_OPERATOR;
-- The Snowsight views (SYNC_STATUS, SYNC_HISTORY, API_USAGE, PUSH_HISTORY) are created by the
-- procedures (owner LHT_ADMIN) on first use.
GRANT SELECT ON FUTURE VIEWS IN SCHEMA <% database %>.LHT TO ROLE LHT_OPERATOR;
