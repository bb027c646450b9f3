// Ask the model for a prediction: POST ENDPOINT/predict.
// Java 17+ with Jackson 2.23's three jars in this folder: java -cp "*" manual_http.java

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.*;
import java.nio.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

class ManualHttp {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ENDPOINT = "https://arena.example.com/deployments/digits-classifier";
  static final String API_KEY = "\u2022\u2022\u2022\u2022\u2022\u2022\u2022\u20220000";

  static final String NPY_FLOAT32_1X8X8 =
      "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDgsIDgpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=";

  public static void main(String[] args) throws Exception {
    Object inputs = npy(NPY_FLOAT32_1X8X8, new float[64]);
    Map<?, ?> answer = post("predict", Map.of("inputs", inputs));
    System.out.println("results: " + fromNpy(answer.get("results")));
  }

  // An array as base64 .npy: np.save's header (batch axis first), then the values as its dtype.
  static String npy(String header, Object values) {
    byte[] head = Base64.getDecoder().decode(header);
    String descr = new String(head, StandardCharsets.ISO_8859_1).split("'")[3];
    int size = descr.charAt(2) - '0';
    List<?> items = JSON.convertValue(values, List.class);
    ByteBuffer data = ByteBuffer.allocate(head.length + size * items.size());
    data.order(ByteOrder.LITTLE_ENDIAN).put(head);
    for (Object value : items) {
      Number number = value instanceof Boolean bool ? (bool ? 1 : 0) : (Number) value;
      if (descr.equals("<f4")) data.putFloat(number.floatValue());
      else if (descr.equals("<f8")) data.putDouble(number.doubleValue());
      else for (int k = 0; k < size; k++) data.put((byte) (number.longValue() >> (8 * k)));
    }
    return Base64.getEncoder().encodeToString(data.array());
  }

  // An array the deployment sent back (.npy 1.0 to 3.0): shape without the batch axis, values.
  static Map<String, Object> fromNpy(Object wire) throws Exception {
    byte[] data = Base64.getDecoder().decode((String) wire);
    var found = NPY_FORMAT.matcher(new String(data, StandardCharsets.ISO_8859_1));
    if (!found.lookingAt()) {
      throw new IllegalArgumentException("not an .npy array of a dtype the switch below reads");
    } else if (found.group(1).startsWith(">") || found.group(2).equals("True")) {
      throw new IllegalArgumentException(
          "a big-endian or Fortran-order .npy array: send it little-endian, in C order");
    }
    List<?> shape = JSON.readValue("[" + found.group(3) + "]", List.class);
    ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).position(found.end());
    List<Object> values = new ArrayList<>();
    while (buffer.hasRemaining()) {
      switch (found.group(1)) {
        case "<f4" -> values.add(buffer.getFloat());
        case "<f8" -> values.add(buffer.getDouble());
        case "<i4" -> values.add(buffer.getInt());
        case "<i8" -> values.add(buffer.getLong());
        case "|u1" -> values.add(buffer.get() & 0xff);
        case "|b1" -> values.add(buffer.get() != 0);
        default -> values.add(buffer.get());
      }
    }
    return new TreeMap<>(Map.of("shape", shape, "values", values));
  }

  static final java.util.regex.Pattern NPY_FORMAT =
      java.util.regex.Pattern.compile(
          "\\A.NUMPY[\\x01-\\x03]\\x00[\\s\\S]{2,4}?\\{'descr': '([<>|](?:f4|f8|i4|i8|i1|u1|b1))',"
              + " 'fortran_order': (\\w+), 'shape': \\((?:\\d+(?:, )?)?([\\d, ]*?),?\\), \\} *\\n");

  // POST a JSON body to ENDPOINT/route and decode the answer; a failed call throws.
  static Map<?, ?> post(String route, Object body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(java.net.URI.create(ENDPOINT + "/" + route))
            .headers("Authorization", "Bearer " + API_KEY, "Content-Type", "application/json")
            .timeout(java.time.Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build();
    // HTTP/1.1: servers such as uvicorn refuse the HTTP/2 upgrade Java tries first.
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> reply = client.send(request, HttpResponse.BodyHandlers.ofString());
    var answer = reply.statusCode() / 100 == 2 ? JSON.readValue(reply.body(), Map.class) : null;
    if (answer == null || Boolean.FALSE.equals(answer.get("success"))) {
      throw new IllegalStateException(reply + " " + reply.body());
    }
    return answer;
  }
}
