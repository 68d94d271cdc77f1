package dev.panio.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;

/**
 * Draws IdleScalingBench results (JMH CSV) as a PNG: ns per round against idle fds, both
 * axes logarithmic, one line per mechanism. {@code java ... dev.panio.bench.Plot in.csv out.png}
 */
public final class Plot {
    private Plot() {}

    public static void main(String[] args) throws Exception {
        Map<String, TreeMap<Integer, Double>> series = new TreeMap<>();
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            String name = f[0].replace("\"", "");
            String mech = name.substring(name.lastIndexOf('.') + 1).replace("Round", "");
            double score = Double.parseDouble(f[4].replace("\"", ""));
            int idle = Integer.parseInt(f[f.length - 1].replace("\"", ""));
            series.computeIfAbsent(mech, k -> new TreeMap<>()).put(idle, score);
        }
        int w = 720, h = 440, left = 80, bottom = 60, top = 40, right = 140;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double minY = series.values().stream().flatMap(m -> m.values().stream()).mapToDouble(d -> d).min().orElse(1);
        double maxY = series.values().stream().flatMap(m -> m.values().stream()).mapToDouble(d -> d).max().orElse(10);
        double ly0 = Math.floor(Math.log10(minY)), ly1 = Math.ceil(Math.log10(maxY));
        double lx0 = 1, lx1 = 4;
        g.setColor(Color.GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (double lx = lx0; lx <= lx1; lx++) {
            int x = (int) (left + (lx - lx0) / (lx1 - lx0) * (w - left - right));
            g.drawLine(x, top, x, h - bottom);
            g.drawString(String.valueOf((long) Math.pow(10, lx)), x - 12, h - bottom + 18);
        }
        for (double ly = ly0; ly <= ly1; ly++) {
            int y = (int) (h - bottom - (ly - ly0) / (ly1 - ly0) * (h - top - bottom));
            g.drawLine(left, y, w - right, y);
            g.drawString((long) Math.pow(10, ly) + " ns", 8, y + 4);
        }
        g.setColor(Color.BLACK);
        g.drawString("idle fds watched (plus one active)", left + 150, h - 15);
        g.drawString("wait(0) + read per round, from IdleScalingBench", left, 22);
        Color[] colors = {new Color(0xd62728), new Color(0x1f77b4), new Color(0x2ca02c)};
        int ci = 0;
        for (var e : series.entrySet()) {
            g.setColor(colors[ci % colors.length]);
            g.setStroke(new BasicStroke(2.5f));
            int px = -1, py = -1;
            for (var p : e.getValue().entrySet()) {
                int x = (int) (left + (Math.log10(p.getKey()) - lx0) / (lx1 - lx0) * (w - left - right));
                int y = (int) (h - bottom - (Math.log10(p.getValue()) - ly0) / (ly1 - ly0) * (h - top - bottom));
                if (px >= 0) g.drawLine(px, py, x, y);
                g.fillOval(x - 4, y - 4, 8, 8);
                px = x;
                py = y;
            }
            g.drawString(e.getKey(), w - right + 10, top + 20 + 20 * ci);
            ci++;
        }
        ImageIO.write(img, "png", new File(args[1]));
    }
}
