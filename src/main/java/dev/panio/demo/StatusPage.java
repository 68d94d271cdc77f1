package dev.panio.demo;

import dev.panio.reactor.EventLoopGroup;

/** The {@code /status} page: backend, loops, connections and a live requests-per-second chart, no framework. */
final class StatusPage {
    private StatusPage() {}

    static String html(EventLoopGroup group) {
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>panio status</title>
            <style>body{font:14px system-ui;margin:2em}canvas{border:1px solid #ccc}td{padding:2px 10px}</style></head>
            <body><h1>panio demo server</h1><p>Backend: <b>%s</b>, loops: <b>%d</b></p>
            <table id="t"></table><p>reads per second (all loops)</p><canvas id="c" width="600" height="200"></canvas>
            <script>
            const pts=[];let last=null;
            async function tick(){const s=await (await fetch('/stats')).json();
              let open=0,reads=0,acc=0;for(const l of s.loops){open+=l.open;reads+=l.reads;acc+=l.accepted}
              document.getElementById('t').innerHTML='<tr><td>open</td><td>'+open+'</td></tr><tr><td>accepted</td><td>'+acc+'</td></tr>';
              if(last!==null){pts.push(reads-last);if(pts.length>120)pts.shift()}last=reads;
              const c=document.getElementById('c').getContext('2d'),m=Math.max(1,...pts);c.clearRect(0,0,600,200);c.beginPath();
              pts.forEach((v,i)=>{const x=i*5,y=195-190*v/m;i?c.lineTo(x,y):c.moveTo(x,y)});c.stroke();
              c.fillText('max '+m+'/s',5,12)}
            setInterval(tick,1000);tick();
            </script></body></html>
            """.formatted(group.backendDescription(), group.loops().size());
    }
}
