"use client";

import { useChat } from "ai/react";

export default function SupportPage() {
  const { messages, input, handleInputChange, handleSubmit, isLoading } = useChat({ api: "/api/chat" });

  return (
    <main className="mx-auto max-w-2xl p-6">
      <h1 className="text-2xl font-semibold">Ask Northwind</h1>
      <ul className="mt-4 space-y-3">
        {messages.map((m) => (
          <li key={m.id} className={m.role === "user" ? "text-right" : "text-left"}>
            {m.content}
          </li>
        ))}
      </ul>
      <form onSubmit={handleSubmit} className="mt-6 flex gap-2">
        <input value={input} onChange={handleInputChange} placeholder="When is my next payment due?" className="flex-1 rounded border p-2" />
        <button type="submit" disabled={isLoading} className="rounded bg-blue-700 px-4 text-white">
          Send
        </button>
      </form>
    </main>
  );
}
