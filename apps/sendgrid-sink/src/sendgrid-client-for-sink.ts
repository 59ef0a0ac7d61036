// How a real @sendgrid/mail client is pointed at the sink (tests, demo).
// Kept in one place because the order matters: Client.setApiKey() resets
// baseUrl to https://api.sendgrid.com/, so baseUrl must be set after it.
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';

/** `apiKey` undefined gives a client that sends no Authorization header. */
export function mailServiceForSink(sinkUrl: string, apiKey: string | undefined): MailService {
  const client = new Client();
  if (apiKey !== undefined) client.setApiKey(apiKey);
  client.setDefaultRequest('baseUrl', sinkUrl);
  // A fresh MailService instead of the module singleton, so parallel tests
  // with different sinks or keys cannot interfere.
  const mail = new MailService();
  mail.setClient(client);
  return mail;
}
