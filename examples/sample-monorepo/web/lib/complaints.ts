import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic();

export type ComplaintTriage = { category: string; urgent: boolean };

/** Classify a written complaint so it reaches the right team within the regulatory deadline. */
export async function triageComplaint(text: string): Promise<ComplaintTriage> {
  const message = await client.messages.create({
    model: "claude-3-5-haiku-latest",
    max_tokens: 200,
    system:
      'Classify the complaint into one of: billing, collections, fraud, discrimination, other. ' +
      'Reply as JSON {"category": string, "urgent": boolean}.',
    messages: [{ role: "user", content: text }],
  });
  const block = message.content[0];
  return JSON.parse(block.type === "text" ? block.text : "{}") as ComplaintTriage;
}
