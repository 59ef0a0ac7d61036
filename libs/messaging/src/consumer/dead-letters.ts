import { dlqTopic } from '@keypool/contracts';
import type { IHeaders, KafkaMessage, Producer } from 'kafkajs';

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  groupId: string;
  reason: string;
  attempts: number;
}

/**
 * Copies an unprocessable message to `<topic>.dlq` with its original key, value and headers,
 * plus headers that say why and where from, so support can fix and replay it.
 */
export async function sendToDeadLetterTopic(producer: Producer, letter: DeadLetter): Promise<void> {
  const headers: IHeaders = {
    ...letter.message.headers,
    'dlq-reason': letter.reason.slice(0, 4000),
    'dlq-original-topic': letter.topic,
    'dlq-original-partition': String(letter.partition),
    'dlq-original-offset': letter.message.offset,
    'dlq-consumer-group': letter.groupId,
    'dlq-attempts': String(letter.attempts),
    'dlq-failed-at': new Date().toISOString(),
  };
  await producer.send({
    topic: dlqTopic(letter.topic),
    acks: -1,
    messages: [{ key: letter.message.key, value: letter.message.value, headers }],
  });
}
