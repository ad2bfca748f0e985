-- A hand-written initial schema in the style of the campaign platform's own
-- migrations (postgresql/migrations/001_init_schema.sql), from before the team
-- adopted schemac: uuid-ossp defaults, VARCHAR statuses, TIMESTAMP without time
-- zone, narrower columns, older names, no row level security.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

CREATE TABLE IF NOT EXISTS organizations (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    name VARCHAR(255) NOT NULL,
    slug VARCHAR(100) UNIQUE NOT NULL,
    status VARCHAR(50) DEFAULT 'active',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_organizations_status ON organizations(status);

CREATE TABLE IF NOT EXISTS users (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id),
    email VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    name VARCHAR(100) NOT NULL,
    status VARCHAR(50) DEFAULT 'active',
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE(org_id, email)
);
CREATE INDEX IF NOT EXISTS idx_users_org_id ON users(org_id);
CREATE INDEX IF NOT EXISTS idx_users_email ON users(email);

CREATE TABLE IF NOT EXISTS dsp_integrations (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id),
    dsp VARCHAR(50) NOT NULL,
    name VARCHAR(255) NOT NULL,
    credentials_ref VARCHAR(255) NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE IF NOT EXISTS campaigns (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    org_id UUID NOT NULL REFERENCES organizations(id),
    dsp_connector_id UUID REFERENCES dsp_integrations(id),
    dsp_campaign_id VARCHAR(100),
    name VARCHAR(255) NOT NULL,
    status VARCHAR(50) DEFAULT 'draft',
    budget NUMERIC(12, 2),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_campaigns_org_id ON campaigns(org_id);
CREATE INDEX IF NOT EXISTS idx_campaigns_name_gin ON campaigns USING gin(to_tsvector('english', name));

-- Development seed data (002_seed_data.sql, abridged).
INSERT INTO organizations (id, name, slug) VALUES ('00000000-0000-0000-0000-000000000001', 'Test Organization', 'test-org');
INSERT INTO users (org_id, email, password_hash, name) VALUES
    ('00000000-0000-0000-0000-000000000001', 'admin@test.com', 'x', 'Admin'),
    ('00000000-0000-0000-0000-000000000001', 'user@test.com', 'x', 'User');
INSERT INTO dsp_integrations (id, org_id, dsp, name, credentials_ref) VALUES
    ('00000000-0000-0000-0000-0000000000d1', '00000000-0000-0000-0000-000000000001', 'dv360', 'Test DV360', 'vault:dv360');
INSERT INTO campaigns (org_id, dsp_connector_id, dsp_campaign_id, name, status, budget) VALUES
    ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000d1', 'ext-1', 'Test Campaign Q1 2026', 'active', 5000.00);
