package com.northwindlending.docai;

import dev.langchain4j.model.chat.ChatLanguageModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.UserMessage;
import java.math.BigDecimal;
import java.time.Duration;

/** Extracts the figures underwriting needs from the text of an uploaded payslip. */
public final class PayslipExtractor {

    public record Payslip(String employer, BigDecimal grossMonthly, BigDecimal netMonthly, String payDate) {}

    interface Extractor {
        @SystemMessage("Extract employer, gross and net monthly pay and the pay date. Use null when absent.")
        Payslip extract(@UserMessage String payslipText);
    }

    private final Extractor extractor;

    public PayslipExtractor(String apiKey) {
        ChatLanguageModel model = OpenAiChatModel.builder()
                .apiKey(apiKey)
                .modelName("gpt-4o-mini")
                .temperature(0.0)
                .timeout(Duration.ofSeconds(30))
                .build();
        this.extractor = AiServices.create(Extractor.class, model);
    }

    public Payslip extract(String payslipText) {
        return extractor.extract(payslipText);
    }
}
