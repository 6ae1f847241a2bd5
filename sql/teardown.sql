-- LHT teardown: removes what sql/setup.sql and `snow snowpark deploy` created.
--
--   snow sql -f sql/teardown.sql -D database=LHT
--
-- Drops the LHT schema (procedures, stages with any staged files, network rule, secret, state and
-- run-log tables), the install's external access integration (<database>_SALESFORCE_ACCESS) and
-- the two roles (shared by every install in the account: tear down the last install only, or
-- skip the two DROP ROLE lines). The synced data in other
-- schemas of the database (e.g. RAW.ACCOUNTS) is KEPT; it and the database pass to ACCOUNTADMIN
-- when LHT_ADMIN is dropped (Snowflake hands a dropped role's objects to the dropping role).
-- To remove the synced data too, run afterwards: DROP DATABASE <database>;
USE ROLE ACCOUNTADMIN;

DROP EXTERNAL ACCESS INTEGRATION IF EXISTS <% database %>_SALESFORCE_ACCESS;
DROP SCHEMA IF EXISTS <% database %>.LHT CASCADE;
DROP ROLE IF EXISTS LHT_OPERATOR;
DROP ROLE IF EXISTS LHT_ADMIN;
