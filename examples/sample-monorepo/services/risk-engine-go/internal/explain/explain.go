// Package explain turns reason codes of a declined application into a plain-language letter paragraph.
package explain

import (
	"context"
	"fmt"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// Decision is the outcome of the credit policy for one application.
type Decision struct {
	ApplicationID string   `json:"application_id"`
	Declined      bool     `json:"declined"`
	ReasonCodes   []string `json:"reason_codes"`
}

// Explainer writes adverse-action explanations.
type Explainer struct {
	client *openai.Client
}

// New returns an Explainer using the given API key.
func New(apiKey string) *Explainer {
	return &Explainer{client: openai.NewClient(apiKey)}
}

// Explain writes two sentences explaining the reason codes, without adding any reason of its own.
func (e *Explainer) Explain(ctx context.Context, d Decision) (string, error) {
	if !d.Declined {
		return "", fmt.Errorf("application %s was not declined", d.ApplicationID)
	}
	resp, err := e.client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model:       openai.GPT4oMini,
		Temperature: 0,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "Explain these adverse-action reason codes in plain English. Do not add reasons."},
			{Role: openai.ChatMessageRoleUser, Content: strings.Join(d.ReasonCodes, "\n")},
		},
	})
	if err != nil {
		return "", err
	}
	return resp.Choices[0].Message.Content, nil
}
