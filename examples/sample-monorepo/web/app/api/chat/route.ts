import { openai } from "@ai-sdk/openai";
import { streamText, type CoreMessage } from "ai";
import { z } from "zod";

export const maxDuration = 30;

const SYSTEM = `You are Northwind Lending's portal assistant. Help customers find their statements,
payment dates and forms. Never give credit advice and never ask for full account numbers.`;

export async function POST(req: Request) {
  const { messages }: { messages: CoreMessage[] } = await req.json();

  const result = streamText({
    model: openai("gpt-4o"),
    system: SYSTEM,
    messages,
    tools: {
      nextPaymentDate: {
        description: "Look up the next payment date of the signed-in customer's loan",
        parameters: z.object({ loanId: z.string() }),
        execute: async ({ loanId }) => ({ loanId, due: "2025-01-01" }),
      },
    },
  });

  return result.toDataStreamResponse();
}
