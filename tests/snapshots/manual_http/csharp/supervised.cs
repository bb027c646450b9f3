// Ask the model for a prediction: POST ENDPOINT/predict.
// Mono or .NET 6+, no packages: mcs -r:System.Net.Http manual_http.cs && mono manual_http.exe
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;

static class Program
{
    const string Endpoint = "https://arena.example.com/deployments/digits-classifier";
    const string ApiKey = "••••••••0000";

    // Arrays go as base64 .npy, batch axis first: np.save's header for the dtype and shape, then the values.
    const string NPY_FLOAT32_1X8X8 = "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDEsIDgsIDgpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=";

    static void Main()
    {
        var inputs = Npy(NPY_FLOAT32_1X8X8, new float[] { 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f });
        var answer = Post("predict", new Dictionary<string, object> { ["inputs"] = inputs });
        Console.WriteLine("results: " + Json(FromNpy(answer["results"])));
    }

    // A header, then the values' bytes (float[], long[], ...; little-endian on x86 and ARM), as base64.
    static string Npy(string header, Array values)
    {
        var bytes = new byte[Buffer.ByteLength(values)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return Convert.ToBase64String(Convert.FromBase64String(header).Concat(bytes).ToArray());
    }

    // An array sent back (.npy 1.0 to 3.0): its shape without the batch axis, and its values.
    static Dictionary<string, object> FromNpy(object wire)
    {
        var data = Convert.FromBase64String((string)wire);
        var found = Regex.Match(new string(data.Select(b => (char)b).ToArray()), @"^.NUMPY[\x01-\x03]\x00[\s\S]{2,4}?\{'descr': '([<>|](?:f4|f8|i4|i8|i1|u1|b1))', 'fortran_order': (\w+), 'shape': \((?:\d+(?:, )?)?([\d, ]*?),?\), \} *\n");
        var descr = found.Success ? found.Groups[1].Value : throw new FormatException("not an .npy array of float32, float64, int8, int32, int64, uint8 or bool");
        if (descr[0] == '>' || found.Groups[2].Value != "False")
            throw new FormatException(descr[0] == '>' ? $"a big-endian .npy array ({descr}): send it little-endian" : "an .npy array in Fortran order: send it in C order");
        var values = Array.CreateInstance(new[] { typeof(float), typeof(double), typeof(int), typeof(long), typeof(sbyte), typeof(byte), typeof(bool) }["<f4<f8<i4<i8|i1|u1|b1".IndexOf(descr) / 3], (data.Length - found.Length) / (descr[2] - '0'));
        Buffer.BlockCopy(data, found.Length, values, 0, Buffer.ByteLength(values));
        var shape = Regex.Matches(found.Groups[3].Value, @"\d+").Cast<Match>().Select(m => int.Parse(m.Value));
        return new Dictionary<string, object> { ["shape"] = shape.ToArray(), ["values"] = values };
    }

    // POST a JSON body to ENDPOINT/route and decode the answer; a failed call throws.
    static Dictionary<string, object> Post(string route, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint + "/" + route) { Content = new StringContent(Json(body), System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + ApiKey);
        var response = new HttpClient { Timeout = TimeSpan.FromSeconds(30) }.SendAsync(request).Result;
        var text = response.Content.ReadAsStringAsync().Result;
        var tokens = Regex.Matches(text, @"""(?:[^""\\]|\\.)*""|[{}\[\]]|[^\s,:{}\[\]]+").Cast<Match>().Select(token => token.Value);
        var answer = response.IsSuccessStatusCode ? Parse(tokens.GetEnumerator()) as Dictionary<string, object> : null;
        var failed = answer == null || answer.TryGetValue("success", out var success) && false.Equals(success);
        return failed ? throw new HttpRequestException($"POST {request.RequestUri} failed: {(int)response.StatusCode} {response.ReasonPhrase} {text}") : answer;
    }

    // The JSON text of a body.
    static string Json(object value)
    {
        if (value == null || value is bool)
            return (value ?? "null").ToString().ToLowerInvariant();
        if (value is string text)
            return "\"" + string.Concat(text.Select(c => c < ' ' || c == '"' || c == '\\' ? $"\\u{(int)c:x4}" : c.ToString())) + "\"";
        if (value is IDictionary<string, object> map)
            return "{" + string.Join(",", map.Select(entry => Json(entry.Key) + ":" + Json(entry.Value))) + "}";
        if (value is System.Collections.IEnumerable list)
            return "[" + string.Join(",", list.Cast<object>().Select(Json)) + "]";
        return FormattableString.Invariant($"{value}");
    }

    // The next JSON value; at a closing bracket, the tokens themselves.
    static object Parse(IEnumerator<string> tokens)
    {
        var token = tokens.MoveNext() ? tokens.Current : "]";
        var items = new List<object>();
        for (var item = token == "{" || token == "[" ? Parse(tokens) : tokens; item != tokens; item = Parse(tokens))
            items.Add(item);
        if (token == "{" || token == "[")
            return token == "[" ? items : (object)Enumerable.Range(0, items.Count / 2).ToDictionary(i => (string)items[2 * i], i => items[2 * i + 1]);
        if (token[0] == '"')
            return Regex.Unescape(token.Substring(1, token.Length - 2));
        if (token == "}" || token == "]" || token == "null")
            return token == "null" ? null : tokens;
        return token == "true" || token == "false" ? (object)(token == "true") : double.Parse(token, System.Globalization.CultureInfo.InvariantCulture);
    }
}
