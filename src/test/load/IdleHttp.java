import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Idle keep-alive connections for measuring a server's memory, run as a separate process:
 * java IdleHttp.java HOST PORT N. Opens N connections, sends one GET /plaintext on each and
 * reads its response, so every connection has been served and is now idle; prints
 * "idle=I failed=F", holds them until a line arrives on stdin, then closes them.
 */
public class IdleHttp {
    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int n = Integer.parseInt(args[2]);
        byte[] request = ("GET /plaintext HTTP/1.1\r\nHost: " + args[0] + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        List<Socket> open = new ArrayList<>(n);
        int failed = 0;
        for (int i = 0; i < n; i++) {
            try {
                Socket s = new Socket();
                s.setSoTimeout(10_000);
                s.connect(server, 15_000);
                s.getOutputStream().write(request);
                open.add(s);
            } catch (Exception e) {
                failed++;
            }
        }
        int idle = 0;
        byte[] buf = new byte[4096];
        for (Socket s : open) {
            try {
                InputStream in = s.getInputStream();
                int r;
                // the plaintext response ends with its 13-byte body
                StringBuilder sb = new StringBuilder();
                while (!sb.toString().endsWith("Hello, World!") && (r = in.read(buf)) > 0) {
                    sb.append(new String(buf, 0, r, StandardCharsets.ISO_8859_1));
                }
                if (sb.toString().endsWith("Hello, World!")) idle++;
                else failed++;
            } catch (Exception e) {
                failed++;
            }
        }
        System.out.println("idle=" + idle + " failed=" + failed);
        System.out.flush();
        new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
        for (Socket s : open) {
            try {
                s.close();
            } catch (Exception ignored) {
                // going away
            }
        }
    }
}
