// CloudEvents as metalake writes them: JSON data, the tenant as an extension attribute, and
// Kafka binary mode (attributes in ce_* headers, data as the value) keyed by tenant, so one
// tenant's events keep their order on a partition.
import { CloudEvent, Kafka } from 'cloudevents';

export interface CloudEventSpec {
  id: string;
  source: string;
  type: string;
  tenant: string;
  time: string;
  data: unknown;
  subject?: string;
}

/** Built unvalidated: readers validate (decodeCloudEvent), writers pass only what they built. */
export function cloudEvent(spec: CloudEventSpec): CloudEvent<unknown> {
  return new CloudEvent<unknown>({ ...spec, datacontenttype: 'application/json', partitionkey: spec.tenant }, false);
}

export function binaryRecord(spec: CloudEventSpec): { key: string; value: string; headers: Record<string, string> } {
  const message = Kafka.binary(cloudEvent(spec));
  const headers = Object.fromEntries(Object.entries(message.headers).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  return { key: spec.tenant, value: JSON.stringify(spec.data), headers };
}
