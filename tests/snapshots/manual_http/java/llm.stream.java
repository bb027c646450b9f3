// Stream a completion: POST ENDPOINT/generate_stream; chunks print as they arrive.
// Java 17+ with Jackson 2.23's three jars in this folder: java -cp "*" manual_http.java

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.http.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

class ManualHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ENDPOINT = "https://arena.example.com/deployments/gsm8k-grpo";
  static final String API_KEY = "\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u20220000";

  static final String PROMPT = "Write a haiku about reinforcement learning.";

  public static void main(String[] args) throws Exception {
    Object params =
        Map.of("max_new_tokens", 100, "temperature", 0.7, "top_p", 0.9, "do_sample", true);
    String body = JSON.writeValueAsString(Map.of("prompt", PROMPT, "params", params));
    // The answer starts within the timeout; the stream lasts as long as the completion.
    HttpRequest request =
        HttpRequest.newBuilder(java.net.URI.create(ENDPOINT + "/generate_stream"))
            .header("Authorization", "Bearer " + API_KEY)
            .header("Content-Type", "application/json")
            .timeout(java.time.Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    // HTTP/1.1: servers such as uvicorn refuse the HTTP/2 upgrade Java tries first.
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<InputStream> response =
        client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() / 100 != 2) {
      String text = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
      throw new IllegalStateException(response + " " + text);
    }
    byte[] chunk = new byte[4096];
    for (int n; (n = response.body().read(chunk)) != -1; ) {
      // "\n[ERROR:" starts the deployment's message when it fails mid-stream.
      int failed = new String(chunk, 0, n, StandardCharsets.ISO_8859_1).indexOf("\n[ERROR:");
      System.out.write(chunk, 0, failed < 0 ? n : failed);
      System.out.flush();
      if (failed >= 0) {
        throw new IllegalStateException(
            new String(chunk, failed, n - failed, StandardCharsets.UTF_8).trim());
      }
    }
    System.out.println();
  }
}
