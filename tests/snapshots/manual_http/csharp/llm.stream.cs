// Stream a completion: POST ENDPOINT/generate_stream; chunks print as they arrive.
// Mono or .NET 6+, no packages: mcs -r:System.Net.Http manual_http.cs && mono manual_http.exe
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.RegularExpressions;

static class Program
{
    const string Endpoint = "https://arena.example.com/deployments/gsm8k-grpo";
    const string ApiKey = "••••••••0000";
    const string Prompt = "Write a haiku about reinforcement learning.";

    static void Main()
    {
        var body = new Dictionary<string, object> { ["prompt"] = Prompt, ["params"] = new Dictionary<string, object> { ["max_new_tokens"] = 100, ["temperature"] = 0.7, ["top_p"] = 0.9, ["do_sample"] = true } };
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint + "/generate_stream");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + ApiKey);
        request.Content = new StringContent(Json(body), System.Text.Encoding.UTF8, "application/json");
        // The answer starts within the timeout; the stream lasts as long as the completion.
        var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var response = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).Result;
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"POST {Endpoint}/generate_stream failed: {(int)response.StatusCode} {response.ReasonPhrase} {response.Content.ReadAsStringAsync().Result}");
        var stream = new System.IO.StreamReader(response.Content.ReadAsStreamAsync().Result, System.Text.Encoding.UTF8);
        var chunk = new char[4096];
        for (int n; (n = stream.Read(chunk, 0, chunk.Length)) > 0;)
        {
            // "\n[ERROR:" starts the deployment's message when it fails mid-stream.
            var text = new string(chunk, 0, n);
            var failed = text.IndexOf("\n[ERROR:", StringComparison.Ordinal);
            Console.Write(failed < 0 ? text : text.Substring(0, failed));
            if (failed >= 0)
                throw new HttpRequestException(text.Substring(failed).Trim());
        }
        Console.WriteLine();
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
}
