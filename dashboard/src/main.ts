import { mount } from 'svelte';
import App from './App.svelte';
import { Dashboard } from './lib/dashboard.svelte.ts';
import './app.css';

// The dashboard's state is made first, so its first data requests run while the page is built.
const board = new Dashboard(location.search);
board.prefetch();
mount(App, { target: document.getElementById('app') as HTMLElement, props: { board } });
