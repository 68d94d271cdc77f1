package dev.panio.demo;

/**
 * The {@code /status} page, plain HTML and JavaScript: the backend and how it was chosen,
 * open connections, and a live chart of requests per second per loop (and the total), with
 * labelled axes and a time scale. Rates are computed from {@code /stats} samples over the
 * time that really passed between them on the server's clock, so a throttled background tab
 * that samples late still shows the right rate. The current total rate is also written into
 * the page ({@code #rate}), where a test (or a headless browser) can read it. Below the chart,
 * the system calls per request over the last second, in all ({@code #syscalls}) and by
 * kind ({@code #calls}): the seeds' argument shown live, as select and poll pass every fd
 * per wait, epoll waits once for many, and io_uring submits many operations per call.
 */
final class StatusPage {
    private StatusPage() {}

    static String html(String backend, int loops) {
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>panio status</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em}td{padding:2px 12px 2px 0}
            canvas{border:1px solid #ccc}.k{color:#555}</style></head>
            <body><h1>panio demo server</h1>
            <p><span class="k">backend</span> <b id="backend">%s</b>, <span class="k">loops</span> <b>%d</b></p>
            <table><tr><td class="k">open connections</td><td id="open">-</td></tr>
            <tr><td class="k">requests per second</td><td id="rate">-</td></tr>
            <tr><td class="k">bytes read / written per second</td><td id="bytes">-</td></tr>
            <tr><td class="k">system calls per request</td><td id="syscalls">-</td></tr></table>
            <canvas id="c" width="720" height="260"></canvas>
            <h2>System calls per request, by kind, over the last second</h2>
            <table id="calls"><tr><td class="k">-</td></tr></table>
            <script>
            const W=720,H=260,L=60,R=10,T=12,B=36,SPAN=120; // plot area margins; seconds shown
            const colors=['#1f77b4','#ff7f0e','#2ca02c','#d62728','#9467bd','#8c564b','#e377c2','#7f7f7f'];
            let prev=null;const hist=[]; // {t: seconds, total, loops:[...]}
            function fmt(v){return v>=1e6?(v/1e6).toFixed(1)+'M':v>=1e3?(v/1e3).toFixed(1)+'k':v.toFixed(0)}
            async function tick(){
              let s;try{s=await (await fetch('/stats',{cache:'no-store'})).json()}catch(e){return}
              const t=s.nanos/1e9;let open=0;for(const l of s.loops)open+=l.open;
              document.getElementById('open').textContent=open;
              if(prev){const dt=t-prev.t;if(dt>0){
                const loops=s.loops.map((l,i)=>(l.requests-prev.s.loops[i].requests)/dt);
                const total=loops.reduce((a,b)=>a+b,0);
                let br=0,bw=0;s.loops.forEach((l,i)=>{br+=l.bytesRead-prev.s.loops[i].bytesRead;bw+=l.bytesWritten-prev.s.loops[i].bytesWritten});
                hist.push({t,total,loops});while(hist.length&&t-hist[0].t>SPAN)hist.shift();
                document.getElementById('rate').textContent=total.toFixed(0);
                document.getElementById('bytes').textContent=fmt(br/dt)+'B / '+fmt(bw/dt)+'B';
                calls(s,prev.s);
                draw(t,s.loops.length)}}
              prev={t,s}}
            function calls(s,p){ // per kind: calls in the interval over requests in it, all loops
              const d={};let req=0;
              s.loops.forEach((l,i)=>{req+=l.requests-p.loops[i].requests;
                for(const k in l.systemCalls)d[k]=(d[k]||0)+l.systemCalls[k]-((p.loops[i].systemCalls||{})[k]||0)});
              const kinds=Object.keys(d).filter(k=>d[k]>0).sort((a,b)=>d[b]-d[a]);
              const all=kinds.reduce((a,k)=>a+d[k],0);
              document.getElementById('syscalls').textContent=req>0?(all/req).toFixed(3):'no requests';
              const tb=document.getElementById('calls');
              tb.innerHTML=req>0&&kinds.length?'<tr><td class="k">call</td><td class="k">per request</td><td class="k">per second</td></tr>'
                +kinds.map(k=>'<tr><td>'+k+'</td><td>'+(d[k]/req).toFixed(3)+'</td><td>'+fmt(d[k]/(s.nanos-p.nanos)*1e9)+'</td></tr>').join('')
                :'<tr><td class="k">no requests in the last second</td></tr>'}
            function draw(now,n){
              const c=document.getElementById('c').getContext('2d');c.clearRect(0,0,W,H);
              const pw=W-L-R,ph=H-T-B,max=Math.max(1,...hist.map(p=>p.total));
              const step=Math.pow(10,Math.floor(Math.log10(max))),top=Math.ceil(max/step)*step; // a round scale
              const x=t=>L+pw*(1-(now-t)/SPAN),y=v=>T+ph*(1-v/top);
              c.strokeStyle='#ddd';c.fillStyle='#333';c.font='11px sans-serif';
              for(let i=0;i<=4;i++){const v=top*i/4;c.beginPath();c.moveTo(L,y(v));c.lineTo(L+pw,y(v));c.stroke();
                c.textAlign='right';c.fillText(fmt(v),L-6,y(v)+4)}
              for(let s=0;s<=SPAN;s+=20){c.beginPath();c.moveTo(x(now-s),T);c.lineTo(x(now-s),T+ph);c.stroke();
                c.textAlign='center';c.fillText(s?'-'+s+' s':'now',x(now-s),T+ph+14)}
              c.save();c.translate(14,T+ph/2);c.rotate(-Math.PI/2);c.textAlign='center';c.fillText('requests per second',0,0);c.restore();
              c.textAlign='center';c.fillText('time (seconds before now)',L+pw/2,H-4);
              const line=(f,color,width)=>{c.strokeStyle=color;c.lineWidth=width;c.beginPath();
                hist.forEach((p,i)=>{const X=x(p.t),Y=y(f(p));i?c.lineTo(X,Y):c.moveTo(X,Y)});c.stroke()};
              if(n>1)for(let i=0;i<n;i++)line(p=>p.loops[i],colors[i%%colors.length],1);
              line(p=>p.total,'#000',2);c.lineWidth=1;
              c.textAlign='left';c.fillStyle='#000';c.fillText('total'+(n>1?' (thin: one line per loop)':''),L+6,T+12)}
            setInterval(tick,1000);tick();
            </script></body></html>
            """.formatted(escape(backend), loops);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
