// A client of `ce-policy serve` in plain Java 11+ (java.net.http, no dependencies): it posts one record and
// prints the decision's status, the policy that decided, and the hours short of each floor.
//
//   javac -d out examples/java/DecisionClient.java
//   java -cp out DecisionClient http://127.0.0.1:8000 policies/xj/aksu-2025-12/examples/incomplete.json
//
// An API key, when the service requires one, is read from the environment variable CE_POLICY_API_KEY.
// 一个不依赖第三方库的 Java 客户端：提交一条记录，打印决定的结论、所依据的政策和各项差额。

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class DecisionClient {

    private DecisionClient() {
    }

    /** The JSON value of a top-level member (true, false, a number or a string), found without a JSON library. */
    static String member(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(true|false|null|-?[0-9.]+|\"[^\"]*\")").matcher(json);
        return m.find() ? m.group(1).replace("\"", "") : "?";
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: DecisionClient BASE_URL RECORD.json");
            System.exit(2);
        }
        String record = Files.readString(Path.of(args[1]));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(args[0] + "/v1/decisions?to_complete=false"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(record));
        String key = System.getenv("CE_POLICY_API_KEY");
        if (key != null && !key.isEmpty()) {
            request.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            // An RFC 9457 problem: its code, and each problem's JSON path, are in the body.
            System.out.println("error " + response.statusCode() + " " + member(response.body(), "code"));
            System.out.println(response.body());
            System.exit(1);
        }
        String decision = response.body();
        String policy = response.headers().firstValue("CE-Policy-Id").orElse("?") + " "
                + response.headers().firstValue("CE-Policy-Version").orElse("?") + " "
                + response.headers().firstValue("CE-Policy-Digest").orElse("?");
        boolean compliant = "true".equals(member(decision, "compliant"));
        System.out.println("person " + member(decision, "person") + " year " + member(decision, "year"));
        System.out.println("compliant " + compliant + (compliant ? " (complete / 已完成)" : " (incomplete / 未完成)"));
        System.out.println("policy " + policy);
    }
}
