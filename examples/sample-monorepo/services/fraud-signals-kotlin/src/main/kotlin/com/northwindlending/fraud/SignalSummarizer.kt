package com.northwindlending.fraud

import com.anthropic.client.AnthropicClient
import com.anthropic.client.okhttp.AnthropicOkHttpClient
import com.anthropic.models.MessageCreateParams

/**
 * Turns the rule-based fraud signals of an application into a short note for the fraud analyst.
 * The decision stays with the analyst; the note only orders the evidence.
 */
class SignalSummarizer(private val client: AnthropicClient = AnthropicOkHttpClient.fromEnv()) {

    fun summarise(applicationId: String, signals: List<String>): String {
        val params = MessageCreateParams.builder()
            .model("claude-haiku-4-5")
            .maxTokens(300)
            .system("Order these fraud signals from strongest to weakest and explain each in one line.")
            .addUserMessage(signals.joinToString(separator = "\n"))
            .build()
        val message = client.messages().create(params)
        return message.content().mapNotNull { block -> block.text().orElse(null)?.text() }.joinToString("\n")
    }
}
