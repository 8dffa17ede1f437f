import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { installCardRows } from './card-rows';
import './styles.css';

const root = document.getElementById('root')!;
installCardRows(root);
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
