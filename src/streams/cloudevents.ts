// CloudEvents as metalake writes them: JSON data, the tenant as an extension attribute, and
// Kafka binary mode (attributes in ce_* headers, data as the value) keyed by tenant unless the
// caller names a finer key, so one tenant's events (or one key's) keep their order on a partition.
import { CloudEvent, Kafka } from 'cloudevents';

export interface CloudEventSpec {
  id: string;
  source: string;
  type: string;
  tenant: string;
  time: string;
  data: unknown;
  subject?: string;
  /** The Kafka record key and CloudEvents partitionkey; the tenant when absent. */
  key?: string;
}

/** Built unvalidated: readers validate (decodeCloudEvent), writers pass only what they built. */
export function cloudEvent(spec: CloudEventSpec): CloudEvent<unknown> {
  const { key, ...attributes } = spec;
  return new CloudEvent<unknown>({ ...attributes, datacontenttype: 'application/json', partitionkey: key ?? spec.tenant }, false);
}

export function binaryRecord(spec: CloudEventSpec): { key: string; value: string; headers: Record<string, string> } {
  const message = Kafka.binary(cloudEvent(spec));
  const headers = Object.fromEntries(
    Object.entries(message.headers)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
  return { key: spec.key ?? spec.tenant, value: JSON.stringify(spec.data), headers };
}
