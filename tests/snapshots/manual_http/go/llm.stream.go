// Stream a completion: POST ENDPOINT/generate_stream; chunks print as they arrive.
// Go 1.21 or newer, the standard library only: go run manual_http.go

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"time"
)

const endpoint = "https://arena.example.com/deployments/gsm8k-grpo"
const apiKey = "••••••••0000"

const prompt = "Write a haiku about reinforcement learning."

func main() {
	payload, _ := json.Marshal(map[string]any{
		"prompt": prompt,
		"params": map[string]any{"max_new_tokens": 100, "temperature": 0.7, "top_p": 0.9, "do_sample": true},
	})
	request, err := http.NewRequest("POST", endpoint+"/generate_stream", bytes.NewReader(payload))
	if err != nil {
		log.Fatal(err)
	}
	request.Header.Set("Authorization", "Bearer "+apiKey)
	request.Header.Set("Content-Type", "application/json")
	// The answer starts within the timeout; the stream lasts as long as the completion.
	http.DefaultTransport.(*http.Transport).ResponseHeaderTimeout = 30 * time.Second
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		log.Fatal(err)
	}
	defer response.Body.Close()
	if response.StatusCode/100 != 2 {
		text, _ := io.ReadAll(response.Body)
		log.Fatalf("POST %s failed: %s %s", request.URL, response.Status, text)
	}
	chunk := make([]byte, 4096)
	for {
		n, err := response.Body.Read(chunk)
		// "\n[ERROR:" starts the deployment's message when it fails mid-stream.
		text, message, failed := strings.Cut(string(chunk[:n]), "\n[ERROR:")
		os.Stdout.WriteString(text)
		if failed {
			log.Fatal(strings.TrimSpace("\n[ERROR:" + message))
		}
		if err == io.EOF {
			break
		} else if err != nil {
			log.Fatal(err)
		}
	}
	os.Stdout.WriteString("\n")
}
