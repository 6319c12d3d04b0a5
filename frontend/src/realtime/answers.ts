// Canned answers for the agent demo: what a voice assistant might say, each opening with a
// short clause so the first audio can start early.

export interface CannedAnswer {
  id: string;
  label: string;
  text: string;
}

export const CANNED_ANSWERS: CannedAnswer[] = [
  {
    id: 'booking',
    label: 'Restaurant booking',
    text: 'Sure, your table for two is booked for Friday at half past seven. I have added a note about the window seat, and you will get a confirmation message in a minute. Is there anything else I can help you with?',
  },
  {
    id: 'weather',
    label: 'Weather',
    text: 'Right now, it is fourteen degrees and cloudy in Singapore. Later this afternoon, heavy showers are expected, so an umbrella would be a good idea. Tomorrow looks brighter, with sunshine from the morning on.',
  },
  {
    id: 'support',
    label: 'Support: password reset',
    text: 'Of course, I can help with that. First, open the settings page and choose security. Then select reset password, and follow the link we send to your registered email address. The link stays valid for thirty minutes.',
  },
  {
    id: 'order',
    label: 'Order status',
    text: 'Good news, your order has shipped! The parcel left our warehouse this morning and should arrive on Thursday between nine and twelve. You can follow the delivery with the tracking number in your email.',
  },
];
