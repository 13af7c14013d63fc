// Command risk-engine serves adverse-action explanations for declined applications.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"

	"github.com/go-chi/chi/v5"
	"github.com/northwind-lending/risk-engine/internal/explain"
)

func main() {
	explainer := explain.New(os.Getenv("OPENAI_API_KEY"))
	r := chi.NewRouter()
	r.Post("/v1/explanations", func(w http.ResponseWriter, req *http.Request) {
		var decision explain.Decision
		if err := json.NewDecoder(req.Body).Decode(&decision); err != nil {
			http.Error(w, "invalid decision", http.StatusBadRequest)
			return
		}
		text, err := explainer.Explain(req.Context(), decision)
		if err != nil {
			http.Error(w, "explanation unavailable", http.StatusBadGateway)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"explanation": text})
	})
	log.Fatal(http.ListenAndServe(":8080", r))
}
