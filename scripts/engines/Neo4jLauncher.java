// Starts an in-process Neo4j 5.26 (the neo4j-harness) with Bolt on 127.0.0.1:<port> and its data
// under <dir>, prints "NEO4J_READY <bolt uri>", and runs until it is signalled (SIGTERM closes the
// database cleanly). Run as a single-file program:
//   java -cp 'lib/*' Neo4jLauncher.java <port> <dir> [<page cache MiB, default 128>]
import java.nio.file.Path;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.io.ByteUnit;

public class Neo4jLauncher {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Path dir = Path.of(args[1]);
    long pageCacheMiB = args.length > 2 ? Long.parseLong(args[2]) : 128;
    Neo4j neo4j = Neo4jBuilders.newInProcessBuilder(dir)
        .withDisabledServer()
        .withConfig(BoltConnector.enabled, true)
        .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .withConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMiB))
        .withConfig(GraphDatabaseSettings.transaction_timeout, java.time.Duration.ofMinutes(2))
        .build();
    Runtime.getRuntime().addShutdownHook(new Thread(neo4j::close));
    System.out.println("NEO4J_READY " + neo4j.boltURI());
    System.out.flush();
    Thread.currentThread().join();
  }
}
