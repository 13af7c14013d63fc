module github.com/northwind-lending/risk-engine

go 1.22

require (
	github.com/go-chi/chi/v5 v5.1.0
	github.com/sashabaranov/go-openai v1.32.0
)

require golang.org/x/sync v0.8.0 // indirect
