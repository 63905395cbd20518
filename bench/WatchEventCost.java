import com.sun.management.ThreadMXBean;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.iamlet.pods.KubernetesClients;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * bench/WatchEventCost.java POD_JSON: bytes allocated and time per pod watch event read through the agent's
 * serialization ({@code KubernetesClients.agentSerialization()}, which skips {@code metadata.managedFields})
 * against the same without that (every field of the metadata bound), 20,000 events per variant and round, rounds
 * 1-3 printed (round 0 warms up). Run on the agent's jar with the image's JIT and GC:
 * {@code java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp agent/target/iamlet.jar bench/WatchEventCost.java
 * bench/eks-pod.json}. bench/eks-pod.json is a pod as an EKS API server sends it (5.5 KB, of which 2 KB managed
 * fields of kube-controller-manager and the kubelet). No network.
 */
public class WatchEventCost {
    public static void main(String[] args) throws Exception {
        String pod = Files.readString(Path.of(args[0]));
        String event = "{\"type\":\"MODIFIED\",\"object\":" + pod + "}";
        var mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        KubernetesSerialization[] ser = {KubernetesClients.serialization(KubernetesClients.AGENT_KINDS),
                KubernetesClients.agentSerialization()};
        String[] names = {"all-metadata", "without-managedFields"};
        for (int round = 0; round < 4; round++) {
            for (int k = 0; k < 2; k++) {
                int n = 20000;
                long a0 = mx.getCurrentThreadAllocatedBytes();
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    ser[k].unmarshal(event, WatchEvent.class);
                }
                long t1 = System.nanoTime();
                long a1 = mx.getCurrentThreadAllocatedBytes();
                if (round > 0) {
                    System.out.printf("%s r%d: %d bytes/event, %.1f us/event%n", names[k], round, (a1 - a0) / n,
                            (t1 - t0) / 1e3 / n);
                }
            }
        }
    }
}
