// Runs AWS Event Ruler, the open-source matcher behind EventBridge, on cases read from stdin:
// [{"pattern": {...}, "event": {...}}, ...]. Prints one line of JSON: [true, false, ...].
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import software.amazon.event.ruler.Machine;

public class MatchEvents {
  public static void main(String[] args) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode cases = json.readTree(System.in);
    List<Boolean> results = new ArrayList<>();
    for (JsonNode c : cases) {
      // A fresh machine per case, so one pattern cannot affect another's result.
      Machine machine = new Machine();
      machine.addRule("rule", json.writeValueAsString(c.get("pattern")));
      results.add(!machine.rulesForEvent(json.writeValueAsString(c.get("event"))).isEmpty());
    }
    System.out.println(json.writeValueAsString(results));
  }
}
