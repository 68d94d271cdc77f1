import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A load client run as a separate process (java LoadClient.java HOST PORT N), so that the
 * server under test and its peers do not share one process's fd limit. JDK sockets only:
 * an independent peer. Opens N connections, sends a 5-byte ping on each and reads the
 * echo, prints "echoed=E failed=F", keeps them open until a line arrives on stdin, then
 * closes them and prints "closed".
 */
public class LoadClient {
    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int n = Integer.parseInt(args[2]);
        List<Socket> open = new ArrayList<>(n);
        int echoed = 0, failed = 0;
        for (int i = 0; i < n; i++) {
            try {
                Socket s = new Socket();
                s.setSoLinger(true, 0);
                s.connect(server, 15_000);
                open.add(s);
            } catch (Exception e) {
                failed++;
            }
        }
        byte[] ping = "ping\n".getBytes();
        for (Socket s : open) {
            try {
                s.getOutputStream().write(ping);
            } catch (Exception e) {
                // counted when the echo does not come
            }
        }
        // One deadline for all the echoes, not 5 s per connection: connections the server
        // neither serves nor sheds (out of fds) must not add up to minutes.
        long deadline = System.nanoTime() + 15_000_000_000L;
        for (Socket s : open) {
            try {
                s.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                InputStream in = s.getInputStream();
                byte[] got = in.readNBytes(5);
                if (new String(got).equals("ping\n")) echoed++;
                else failed++;
            } catch (Exception e) {
                failed++;
            }
        }
        System.out.println("echoed=" + echoed + " failed=" + failed);
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in)).readLine();
        for (Socket s : open) s.close();
        System.out.println("closed");
    }
}
