/** Response descriptions every notification endpoint shares. */
export const NO_SUCH_MERCHANT = "no such merchant: another merchant's id answers the same, so ids cannot be probed";
export const BODY_TOO_LARGE = 'the JSON body is over 100 kB';
