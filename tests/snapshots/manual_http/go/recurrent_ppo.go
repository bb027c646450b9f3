// Step a recurrent policy: POST ENDPOINT/get_action, sending each answer's
// hidden_state back with the next call.
// Go 1.21 or newer, the standard library only: go run manual_http.go

package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"regexp"
	"time"
)

const endpoint = "https://arena.example.com/deployments/cartpole-recurrent"
const apiKey = "••••••••0000"

// Arrays travel as base64 .npy with a leading batch axis of 1: np.save's header, then
// the values' bytes. A header is fixed by the dtype and shape, so it is written here.
const NPY_FLOAT32_1X4 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo="

func main() {
	obs := npy(NPY_FLOAT32_1X4, []float32{0, 0, 0, 0})
	// The first step starts with no hidden state (null).
	var hiddenState any
	for step := 0; step < 5; step++ {
		body := map[string]any{"obs": obs, "batch_size": 1, "hidden_state": hiddenState}
		answer := post("get_action", body)
		// Already serialized: send it back unchanged.
		hiddenState = answer["hidden_state"]
		fmt.Printf("step %d: action %+v\n", step, fromNpy(answer["action"]))
		// Step your environment with the action here and set obs to its next observation.
	}
}

// A header and the values (a []float32, []int64, ...) as one base64 .npy, little-endian.
func npy(header string, values any) string {
	data, _ := base64.StdEncoding.DecodeString(header)
	buffer := bytes.NewBuffer(data)
	if err := binary.Write(buffer, binary.LittleEndian, values); err != nil {
		log.Fatalf("cannot write %T as .npy: %v", values, err)
	}
	return base64.StdEncoding.EncodeToString(buffer.Bytes())
}

// An array the deployment sent back (.npy 1.0 to 3.0): its shape without the batch axis, and values.
func fromNpy(wire any) map[string]any {
	data, _ := base64.StdEncoding.DecodeString(fmt.Sprint(wire))
	found := npyFormat.FindSubmatch(data)
	switch {
	case found == nil:
		log.Fatalf("not an .npy array of float32, float64, int8, int32, int64, uint8 or bool: %.80q", data)
	case found[1][0] == '>':
		log.Fatalf("a big-endian .npy array (%s): send it little-endian", found[1])
	case string(found[2]) != "False":
		log.Fatal("an .npy array in Fortran order: send it in C order")
	}
	var shape []int
	json.Unmarshal([]byte("["+string(found[3])+"]"), &shape)
	return map[string]any{"shape": shape, "values": npyReaders[string(found[1])](data[len(found[0]):])}
}

var npyFormat = regexp.MustCompile(`^.NUMPY[\x01-\x03]\x00[\s\S]{2,4}?\{'descr': '([<>|](?:f4|f8|i4|i8|i1|u1|b1))', 'fortran_order': (\w+), 'shape': \((?:\d+(?:, )?)?([\d, ]*?),?\), \} *\n`)

var npyReaders = map[string]func([]byte) any{"<f4": read[float32], "<f8": read[float64], "<i4": read[int32],
	"<i8": read[int64], "|i1": read[int8], "|u1": read[uint8], "|b1": read[bool]}

func read[T any](data []byte) any {
	values := make([]T, len(data)/binary.Size(*new(T)))
	binary.Read(bytes.NewReader(data), binary.LittleEndian, values)
	return values
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
