-- Servers remember the API keys they have looked up (src/auth/key-lookup.ts). Whatever could
-- change what a key may do tells every listening server to forget them: a key's revocation,
-- role, organization or name, an organization's roles, and deleting either. The notification
-- is delivered when (and only if) the change commits. Stamping "lastUsedAt" notifies nobody.
CREATE FUNCTION "pathledger_api_keys_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('pathledger_api_keys_changed', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER "ApiKey_changed"
  AFTER UPDATE OF "revokedAt", "role", "organizationId", "name", "hash" OR DELETE OR TRUNCATE ON "ApiKey"
  FOR EACH STATEMENT EXECUTE FUNCTION "pathledger_api_keys_changed"();

CREATE TRIGGER "Organization_changed"
  AFTER UPDATE OF "roles" OR DELETE OR TRUNCATE ON "Organization"
  FOR EACH STATEMENT EXECUTE FUNCTION "pathledger_api_keys_changed"();
