# Posts a summary of an incident channel to the status page draft.
require "openai"

client = OpenAI::Client.new(access_token: ENV.fetch("OPENAI_API_KEY"))
transcript = File.read(ARGV.fetch(0))

response = client.chat(
  parameters: {
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "Summarise this incident channel for customers. No internal names." },
      { role: "user", content: transcript }
    ]
  }
)
puts response.dig("choices", 0, "message", "content")
