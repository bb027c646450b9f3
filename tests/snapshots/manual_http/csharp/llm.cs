// Generate a completion: POST ENDPOINT/generate.
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
        var answer = Post("generate", new Dictionary<string, object> {
            ["prompts"] = new[] { Prompt },
            ["params"] = new Dictionary<string, object> { ["max_new_tokens"] = 100, ["temperature"] = 0.7, ["top_p"] = 0.9, ["do_sample"] = true },
        });
        var result = (Dictionary<string, object>)((List<object>)answer["results"])[0];
        Console.WriteLine(result["completion"]);
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
