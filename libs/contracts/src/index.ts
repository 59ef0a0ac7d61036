export {
  CLOUDEVENTS_CONTENT_TYPE,
  CloudEventEnvelope,
  DATA_CONTENT_TYPE,
  type CloudEvent,
} from './cloudevent';
export { AllocationDeferredData } from './events/allocation-deferred';
export { AllocationRequestedData } from './events/allocation-requested';
export { AllocationRefundedData } from './events/allocation-refunded';
export { LicenseRevokedData } from './events/license-revoked';
export { OrderLineHeldData, lineHeldStatuses } from './events/order-line-held';
export { OrderRefundedData, refundReasons } from './events/order-refunded';
export { EmailFailedData } from './events/email-failed';
export { EmailSentData } from './events/email-sent';
export { LicenseAllocatedData } from './events/license-allocated';
export { FulfilledLine, OrderFulfilledData } from './events/order-fulfilled';
export { OrderPaidData } from './events/order-paid';
export { PoolLowData, poolLevels, poolModes } from './events/pool-low';
export { Customer, License, OrderLine } from './fields';
export { formatSchemaErrors } from './format-errors';
export { exampleEventData } from './examples';
export { parseCloudEvent, type ParseProblem, type ParseResult } from './parse-cloud-event';
export {
  dataschemaOf,
  eventDataSchemas,
  eventTypes,
  isEventType,
  type CloudEventOf,
  type EventDataOf,
  type EventType,
  type KeypoolEvent,
} from './registry';
export { renderSchemaFiles } from './schema-files';
export {
  defaultTopics,
  dlqTopic,
  messageKeyFields,
  messageKeyOf,
  topicEnvVars,
  topicOfEvent,
  topicsFromEnv,
  type TopicName,
  type Topics,
} from './topics';
export { validateEnvelope, validateEventData, type Validation } from './validate';
