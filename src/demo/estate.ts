// The demo tenant: a small but realistic estate — a Snowflake warehouse (raw → staging → marts),
// a dbt pipeline, a Looker dashboard, table and column lineage, PII on the customer email column
// propagating downstream (and stopping at its hash: a masking edge), and an open freshness incident.
import type { Viewer } from '../domain/auth.js';
import type { Services } from '../services/index.js';
import type { AssetInput } from '../services/assets.js';

const WH = 'snowflake://acme/analytics';
const DASH = 'looker://acme/dashboards';

const table = (schema: string, name: string, description: string, owners: string[], columns: [string, string, string?][]): AssetInput[] => [
  {
    qualifiedName: `${WH}.${schema}.${name}`,
    kind: 'TABLE',
    name,
    description,
    owners,
    parentQualifiedName: `${WH}.${schema}`,
    attributes: { platform: 'snowflake', rowCount: 0 },
  },
  ...columns.map(([column, type, desc], i): AssetInput => ({
    qualifiedName: `${WH}.${schema}.${name}.${column}`,
    kind: 'COLUMN',
    name: column,
    description: desc ?? null,
    parentQualifiedName: `${WH}.${schema}.${name}`,
    attributes: { dataType: type, ordinal: i + 1 },
  })),
];

export const DEMO_ASSETS: AssetInput[] = [
  {
    qualifiedName: WH,
    kind: 'DATABASE',
    name: 'analytics',
    description: 'The Acme analytics warehouse',
    owners: ['data-platform@acme.io'],
    attributes: { platform: 'snowflake', region: 'eu-west-1' },
  },
  { qualifiedName: `${WH}.raw`, kind: 'SCHEMA', name: 'raw', description: 'Landing zone, loaded by Fivetran', parentQualifiedName: WH },
  { qualifiedName: `${WH}.staging`, kind: 'SCHEMA', name: 'staging', description: 'Cleaned and typed models', parentQualifiedName: WH },
  { qualifiedName: `${WH}.marts`, kind: 'SCHEMA', name: 'marts', description: 'Business-facing models', parentQualifiedName: WH },
  ...table(
    'raw',
    'customers',
    'Customers as exported from the CRM',
    ['crm-team@acme.io'],
    [
      ['id', 'NUMBER'],
      ['email', 'VARCHAR', 'Contact email'],
      ['phone', 'VARCHAR'],
      ['country', 'VARCHAR'],
      ['created_at', 'TIMESTAMP_NTZ'],
    ],
  ),
  ...table(
    'raw',
    'orders',
    'Orders from the shop database',
    ['shop-team@acme.io'],
    [
      ['id', 'NUMBER'],
      ['customer_id', 'NUMBER'],
      ['amount', 'NUMBER(12,2)'],
      ['status', 'VARCHAR'],
      ['ordered_at', 'TIMESTAMP_NTZ'],
    ],
  ),
  ...table(
    'staging',
    'stg_customers',
    'One row per customer, deduplicated',
    ['analytics-eng@acme.io'],
    [
      ['customer_id', 'NUMBER'],
      ['email', 'VARCHAR'],
      ['country', 'VARCHAR'],
    ],
  ),
  ...table(
    'staging',
    'stg_orders',
    'Completed orders with amounts in EUR',
    ['analytics-eng@acme.io'],
    [
      ['order_id', 'NUMBER'],
      ['customer_id', 'NUMBER'],
      ['amount_eur', 'NUMBER(12,2)'],
      ['ordered_at', 'TIMESTAMP_NTZ'],
    ],
  ),
  ...table(
    'marts',
    'customer_orders',
    'Lifetime order value per customer',
    ['analytics-eng@acme.io'],
    [
      ['customer_id', 'NUMBER'],
      ['email', 'VARCHAR'],
      ['email_hash', 'VARCHAR', 'SHA-256 of the email: joins without exposing it'],
      ['total_amount', 'NUMBER(14,2)'],
      ['order_count', 'NUMBER'],
    ],
  ),
  ...table(
    'marts',
    'daily_revenue',
    'Revenue per day',
    ['finance@acme.io'],
    [
      ['day', 'DATE'],
      ['revenue', 'NUMBER(14,2)'],
    ],
  ),
  {
    qualifiedName: 'airflow://acme/dbt_daily',
    kind: 'PIPELINE',
    name: 'dbt_daily',
    description: 'Nightly dbt build of staging and marts',
    owners: ['analytics-eng@acme.io'],
    attributes: { schedule: '0 3 * * *' },
  },
  {
    qualifiedName: `${DASH}/revenue`,
    kind: 'DASHBOARD',
    name: 'Revenue',
    description: 'Daily revenue and top customers',
    owners: ['finance@acme.io'],
  },
  { qualifiedName: `${DASH}/revenue/trend`, kind: 'CHART', name: 'Revenue trend', parentQualifiedName: `${DASH}/revenue` },
  { qualifiedName: `${DASH}/revenue/top_customers`, kind: 'CHART', name: 'Top customers', parentQualifiedName: `${DASH}/revenue` },
];

const dbt = 'airflow://acme/dbt_daily';
const t = (path: string) => `${WH}.${path}`;

export const DEMO_LINEAGE = [
  { from: t('raw.customers'), to: t('staging.stg_customers'), process: dbt },
  { from: t('raw.orders'), to: t('staging.stg_orders'), process: dbt },
  { from: t('staging.stg_customers'), to: t('marts.customer_orders'), process: dbt },
  { from: t('staging.stg_orders'), to: t('marts.customer_orders'), process: dbt },
  { from: t('staging.stg_orders'), to: t('marts.daily_revenue'), process: dbt },
  { from: t('marts.daily_revenue'), to: `${DASH}/revenue/trend` },
  { from: t('marts.customer_orders'), to: `${DASH}/revenue/top_customers` },
  // Column level.
  { from: t('raw.customers.id'), to: t('staging.stg_customers.customer_id') },
  { from: t('raw.customers.email'), to: t('staging.stg_customers.email') },
  { from: t('raw.customers.country'), to: t('staging.stg_customers.country') },
  { from: t('raw.orders.id'), to: t('staging.stg_orders.order_id') },
  { from: t('raw.orders.customer_id'), to: t('staging.stg_orders.customer_id') },
  { from: t('raw.orders.amount'), to: t('staging.stg_orders.amount_eur') },
  { from: t('raw.orders.ordered_at'), to: t('staging.stg_orders.ordered_at') },
  { from: t('staging.stg_customers.customer_id'), to: t('marts.customer_orders.customer_id') },
  { from: t('staging.stg_customers.email'), to: t('marts.customer_orders.email') },
  // A hash masks the email: PII (maskable) stops there, GDPR does not.
  { from: t('staging.stg_customers.email'), to: t('marts.customer_orders.email_hash'), masking: true },
  { from: t('staging.stg_orders.amount_eur'), to: t('marts.customer_orders.total_amount') },
  { from: t('staging.stg_orders.order_id'), to: t('marts.customer_orders.order_count') },
  { from: t('staging.stg_orders.ordered_at'), to: t('marts.daily_revenue.day') },
  { from: t('staging.stg_orders.amount_eur'), to: t('marts.daily_revenue.revenue') },
];

/** The tenant `npm start` loads the demo estate into. */
export const DEMO_TENANT = 'demo';

/** Loads the demo estate through the services (the same rules as any client), once per tenant. */
export async function seedDemo(services: Services, tenant: string): Promise<boolean> {
  const admin: Viewer = { subject: 'metalake-demo-seed', tenant, roles: ['admin'], expiresAt: null };
  const existing = await services.assets.list(admin, null, 1);
  if (existing.edges.length > 0) return false;
  await services.assets.upsert(admin, DEMO_ASSETS);
  await services.lineage.add(admin, DEMO_LINEAGE);
  await services.classification.define(admin, {
    name: 'PII',
    description: 'Personally identifiable information',
    propagateByDefault: true,
    maskable: true,
  });
  await services.classification.define(admin, {
    name: 'GDPR',
    description: 'Subject to GDPR data-subject rights',
    propagateByDefault: true,
  });
  await services.classification.define(admin, { name: 'FINANCIAL', description: 'Financial reporting data', propagateByDefault: false });
  await services.classification.classify(admin, t('raw.customers.email'), 'PII');
  await services.classification.classify(admin, t('raw.customers.phone'), 'PII');
  await services.classification.classify(admin, t('raw.customers'), 'GDPR');
  await services.classification.classify(admin, t('marts.daily_revenue'), 'FINANCIAL');
  await services.incidents.report(admin, {
    externalId: 'demo-fresh-1',
    source: 'monte-carlo',
    type: 'FRESHNESS',
    severity: 'SEV2',
    title: 'raw.orders has not been updated for 26 hours',
    url: 'https://getmontecarlo.com/incidents/demo-fresh-1',
    assetQualifiedNames: [t('raw.orders')],
  });
  return true;
}
