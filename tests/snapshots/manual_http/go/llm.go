// Generate a completion: POST ENDPOINT/generate.
// Go 1.21 or newer, the standard library only: go run manual_http.go

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"
)

const endpoint = "https://arena.example.com/deployments/gsm8k-grpo"
const apiKey = "••••••••0000"

const prompt = "Write a haiku about reinforcement learning."

func main() {
	answer := post("generate", map[string]any{
		"prompts": []string{prompt},
		"params":  map[string]any{"max_new_tokens": 100, "temperature": 0.7, "top_p": 0.9, "do_sample": true},
	})
	result, _ := answer["results"].([]any)[0].(map[string]any)
	fmt.Println(result["completion"])
}

// POST a JSON body to ENDPOINT/route and decode the answer; a failed call exits non-zero.
func post(route string, body any) (answer map[string]any) {
	payload, _ := json.Marshal(body)
	request, err := http.NewRequest("POST", endpoint+"/"+route, bytes.NewReader(payload))
	if err != nil {
		log.Fatal(err)
	}
	request.Header.Set("Authorization", "Bearer "+apiKey)
	request.Header.Set("Content-Type", "application/json")
	response, err := (&http.Client{Timeout: 30 * time.Second}).Do(request)
	if err != nil {
		log.Fatal(err)
	}
	defer response.Body.Close()
	text, err := io.ReadAll(response.Body)
	if err != nil || response.StatusCode/100 != 2 || json.Unmarshal(text, &answer) != nil || answer["success"] == false {
		log.Fatalf("POST %s failed: %s %s", request.URL, response.Status, text)
	}
	return
}
